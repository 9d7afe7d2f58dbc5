using System.Diagnostics.CodeAnalysis;

namespace Synapse.SocketIO.Protocol;

/// <summary>What <see cref="SocketIOPacketDecoder"/> made of one Engine.IO message.</summary>
public readonly struct SocketIODecodeResult
{
    private SocketIODecodeResult(SocketIODecodeStatus status, SocketIOPacket? packet, string? error)
    {
        Status = status;
        Packet = packet;
        Error = error;
    }

    /// <summary>The outcome.</summary>
    public SocketIODecodeStatus Status { get; }

    /// <summary>The packet, when <see cref="Status"/> is <see cref="SocketIODecodeStatus.Completed"/>.</summary>
    public SocketIOPacket? Packet { get; }

    /// <summary>
    /// Why decoding failed, when <see cref="Status"/> is <see cref="SocketIODecodeStatus.Failed"/>. Where
    /// socket.io-parser has a message for the same fault, this is its message (e.g. <c>invalid payload</c>).
    /// </summary>
    public string? Error { get; }

    /// <summary>Whether a packet is complete.</summary>
    [MemberNotNullWhen(true, nameof(Packet))]
    public bool IsCompleted => Status == SocketIODecodeStatus.Completed;

    /// <summary>Whether decoding failed.</summary>
    [MemberNotNullWhen(true, nameof(Error))]
    public bool IsFailed => Status == SocketIODecodeStatus.Failed;

    internal static SocketIODecodeResult AwaitingAttachments { get; } = new(SocketIODecodeStatus.AwaitingAttachments, null, null);

    internal static SocketIODecodeResult Completed(SocketIOPacket packet) => new(SocketIODecodeStatus.Completed, packet, null);

    internal static SocketIODecodeResult Failed(string error) => new(SocketIODecodeStatus.Failed, null, error);

    /// <inheritdoc/>
    public override string ToString() => Status switch
    {
        SocketIODecodeStatus.Completed => $"Completed: {Packet!.Type} {Packet.Namespace}",
        SocketIODecodeStatus.Failed => $"Failed: {Error}",
        _ => "AwaitingAttachments",
    };
}
