namespace Synapse.SocketIO;

/// <summary>
/// Connection state recovery (Node's <c>connectionStateRecovery</c> option): after an unexpected
/// disconnection the server keeps the socket's id, rooms and <see cref="Socket.Data"/>, and the
/// packets it may miss, so that a client coming back in time gets them all and the same socket id.
/// </summary>
public sealed class ConnectionStateRecoveryOptions
{
    /// <summary>How long sessions and packets are kept after a disconnection. Default 2 minutes, as in Node.</summary>
    public TimeSpan MaxDisconnectionDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Whether the namespace's middlewares are skipped when a session is recovered. Default true, as in Node.</summary>
    public bool SkipMiddlewares { get; set; } = true;

    /// <summary>
    /// The most packets a namespace keeps for recovery (Node keeps every packet of the time
    /// window). The oldest go first; a client whose offset is older can no longer recover. Default 10,000.
    /// </summary>
    public int MaxPackets { get; set; } = 10_000;

    /// <summary>The most bytes (encoded size) of packets a namespace keeps for recovery. Default 16 MiB.</summary>
    public long MaxPacketBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The most disconnected sessions a namespace keeps; the oldest expire first. Default 10,000.</summary>
    public int MaxSessions { get; set; } = 10_000;
}
