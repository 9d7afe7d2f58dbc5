namespace Synapse.SocketIO.Adapters;

/// <summary>Modifiers of a broadcast, as Node's <c>BroadcastFlags</c>.</summary>
public sealed record BroadcastFlags
{
    /// <summary>No flags set.</summary>
    public static BroadcastFlags None { get; } = new();

    /// <summary>Drop the packet for clients whose transport cannot take it now.</summary>
    public bool Volatile { get; init; }

    /// <summary>Only this node's clients (no cluster fan-out).</summary>
    public bool Local { get; init; }

    /// <summary>
    /// Whether the packet may be compressed: permessage-deflate on WebSocket, HTTP compression of
    /// the long-polling response that carries it. Default true.
    /// </summary>
    public bool Compress { get; init; } = true;

    /// <summary>How long to wait for acknowledgements; null waits forever.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>A single response is expected (a socket's own emit, not a broadcast).</summary>
    public bool ExpectSingleResponse { get; init; }
}
