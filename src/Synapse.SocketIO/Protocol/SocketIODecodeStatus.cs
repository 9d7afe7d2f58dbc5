namespace Synapse.SocketIO.Protocol;

/// <summary>The outcome of feeding one Engine.IO message to a <see cref="SocketIOPacketDecoder"/>.</summary>
public enum SocketIODecodeStatus
{
    /// <summary>A binary packet's header was read; its attachments are still to come.</summary>
    AwaitingAttachments,

    /// <summary>A packet is complete.</summary>
    Completed,

    /// <summary>The message breaks the protocol; the connection should be closed.</summary>
    Failed,
}
