namespace Synapse.SocketIO.Protocol;

/// <summary>The packet types of the Socket.IO protocol v5; the value is the type's digit on the wire.</summary>
public enum SocketIOPacketType : byte
{
    /// <summary>Connects to a namespace (client to server), or accepts the connection (server to client).</summary>
    Connect = 0,

    /// <summary>Leaves a namespace.</summary>
    Disconnect = 1,

    /// <summary>An event: the payload is an array whose first element is the event name.</summary>
    Event = 2,

    /// <summary>The answer to an event that asked for an acknowledgement.</summary>
    Ack = 3,

    /// <summary>Refuses the connection to a namespace.</summary>
    ConnectError = 4,

    /// <summary>An event whose arguments include binary attachments.</summary>
    BinaryEvent = 5,

    /// <summary>An acknowledgement whose arguments include binary attachments.</summary>
    BinaryAck = 6,
}
