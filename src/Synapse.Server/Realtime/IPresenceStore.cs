namespace Synapse.Server.Realtime;

/// <summary>
/// Which users are online: a user is online while at least one of their sockets is connected
/// (anywhere in the cluster), so several tabs are one presence. Transitions carry a version, so
/// that an announcement computed asynchronously is dropped if a later transition overtook it.
/// <see cref="PresenceTracker"/> keeps it in memory (one node), <see cref="RedisPresenceStore"/> in Redis.
/// </summary>
public interface IPresenceStore
{
    /// <summary>
    /// Raised when users went offline without a disconnect seen here: their node stopped renewing
    /// its heartbeat. Raised on one node of the cluster only.
    /// </summary>
    event Func<string, PresenceChange, Task>? UserLost;

    /// <summary>Raised when this node's connections were counted again after the cluster had given them up (see <see cref="RedisPresenceStore"/>).</summary>
    event Func<string, PresenceChange, Task>? UserRestored;

    /// <summary>Counts a connected socket; tells whether the user just came online.</summary>
    ValueTask<PresenceChange> ConnectAsync(string userId, string socketId);

    /// <summary>Forgets a socket; tells whether the user just went offline.</summary>
    ValueTask<PresenceChange> DisconnectAsync(string userId, string socketId);

    /// <summary>Which of <paramref name="userIds"/> are online.</summary>
    ValueTask<IReadOnlySet<string>> OnlineAmongAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="announce"/> (which must only queue packets) if the user is still in the
    /// state of the transition <paramref name="change"/>: online with that version, or offline.
    /// </summary>
    ValueTask AnnounceIfCurrentAsync(string userId, PresenceChange change, bool online, Action announce);
}
