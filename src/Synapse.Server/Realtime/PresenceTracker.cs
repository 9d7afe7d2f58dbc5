namespace Synapse.Server.Realtime;

/// <summary>
/// Presence on a single node, in memory: a user is online while at least one of their sockets is
/// connected, so several tabs are one presence. Exact: announcements are checked and queued under
/// the same lock as the transitions.
/// </summary>
public sealed class PresenceTracker : IPresenceStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _users = new(StringComparer.Ordinal);
    private long _versions;

    /// <inheritdoc />
    /// <remarks>Never raised: a single node sees every disconnect.</remarks>
    public event Func<string, PresenceChange, Task>? UserLost
    {
        add { }
        remove { }
    }

    /// <inheritdoc />
    /// <remarks>Never raised.</remarks>
    public event Func<string, PresenceChange, Task>? UserRestored
    {
        add { }
        remove { }
    }

    /// <inheritdoc />
    public ValueTask<PresenceChange> ConnectAsync(string userId, string socketId) => ValueTask.FromResult(Connect(userId, socketId));

    /// <inheritdoc />
    public ValueTask<PresenceChange> DisconnectAsync(string userId, string socketId) => ValueTask.FromResult(Disconnect(userId, socketId));

    /// <inheritdoc />
    public ValueTask<IReadOnlySet<string>> OnlineAmongAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlySet<string>>(userIds.Where(_users.ContainsKey).ToHashSet(StringComparer.Ordinal));
        }
    }

    /// <inheritdoc />
    public ValueTask AnnounceIfCurrentAsync(string userId, PresenceChange change, bool online, Action announce)
    {
        AnnounceIfCurrent(userId, change, online, announce);
        return ValueTask.CompletedTask;
    }

    /// <summary>Counts a connected socket; tells whether the user just came online.</summary>
    public PresenceChange Connect(string userId, string socketId)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(userId, out var entry))
            {
                entry = new Entry(++_versions);
                _users[userId] = entry;
            }

            var first = entry.Sockets.Count == 0;
            entry.Sockets.Add(socketId);
            return new PresenceChange(first, entry.Version);
        }
    }

    /// <summary>Forgets a socket; tells whether the user just went offline.</summary>
    public PresenceChange Disconnect(string userId, string socketId)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(userId, out var entry) || !entry.Sockets.Remove(socketId))
            {
                return new PresenceChange(false, 0);
            }

            if (entry.Sockets.Count > 0)
            {
                return new PresenceChange(false, entry.Version);
            }

            _users.Remove(userId);
            return new PresenceChange(true, ++_versions);
        }
    }

    /// <summary>Whether the user has a connected socket.</summary>
    public bool IsOnline(string userId)
    {
        lock (_gate)
        {
            return _users.ContainsKey(userId);
        }
    }

    /// <summary>
    /// Runs <paramref name="announce"/> (which must only queue packets) if the user is still in the
    /// state of the transition <paramref name="change"/>: online with that version, or offline.
    /// </summary>
    public void AnnounceIfCurrent(string userId, PresenceChange change, bool online, Action announce)
    {
        lock (_gate)
        {
            var current = online
                ? _users.TryGetValue(userId, out var entry) && entry.Version == change.Version
                : !_users.ContainsKey(userId);
            if (current)
            {
                announce();
            }
        }
    }

    private sealed class Entry(long version)
    {
        public HashSet<string> Sockets { get; } = new(StringComparer.Ordinal);

        public long Version { get; } = version;
    }
}

/// <summary>A presence transition.</summary>
/// <param name="Changed">Whether the user came online (on connect) or went offline (on disconnect).</param>
/// <param name="Version">The transition's version.</param>
public readonly record struct PresenceChange(bool Changed, long Version);
