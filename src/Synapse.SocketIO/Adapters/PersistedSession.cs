namespace Synapse.SocketIO.Adapters;

/// <summary>
/// What connection state recovery keeps of a socket that disconnected unexpectedly (Node's
/// <c>Session</c>): its public id, its private session id, its rooms and its data.
/// </summary>
/// <param name="Sid">The socket id, given back to the recovered socket.</param>
/// <param name="Pid">The private session id the client presents to recover (never shared with other clients).</param>
/// <param name="Rooms">The rooms the socket was in, its own id included.</param>
/// <param name="Data">The socket's <see cref="Socket.Data"/>.</param>
public sealed record PersistedSession(string Sid, string Pid, IReadOnlyCollection<string> Rooms, IDictionary<string, object?> Data)
{
    /// <summary>
    /// The offset from which the client misses packets: the last offset it processed when it
    /// reconnects, or, when it had received none, where the packet log stood when it connected
    /// (null: the log was empty).
    /// </summary>
    public string? Offset { get; init; }

    /// <summary>When the socket disconnected.</summary>
    public DateTimeOffset DisconnectedAt { get; init; }
}
