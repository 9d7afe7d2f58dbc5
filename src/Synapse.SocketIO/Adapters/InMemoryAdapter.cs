namespace Synapse.SocketIO.Adapters;

/// <summary>
/// The default adapter: rooms kept in this process, broadcasts encoded once and the same bytes
/// queued to every recipient. Room membership lookups are hash lookups; a socket in several
/// targeted rooms receives a broadcast once.
/// </summary>
public class InMemoryAdapter : Adapter
{
    private readonly object _sync = new();
    private readonly Dictionary<string, HashSet<string>> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _sids = new(StringComparer.Ordinal);

    private readonly InMemorySessionStore? _recovery;

    /// <summary>Creates the adapter of a namespace.</summary>
    public InMemoryAdapter(Namespace nsp)
        : base(nsp)
    {
        if (RecoveryOptions is { } recovery && KeepsRecoveryStateInMemory)
        {
            _recovery = new InMemorySessionStore(recovery, OnSessionExpired);
        }
    }

    /// <summary>
    /// Whether this adapter keeps the sessions and packet log of connection state recovery in this
    /// process (when recovery is on). A cluster adapter that keeps them elsewhere returns false;
    /// it is read by the constructor, so it must not depend on the derived class's fields.
    /// </summary>
    protected virtual bool KeepsRecoveryStateInMemory => true;

    /// <inheritdoc />
    public override Task<string?> LatestOffsetAsync() => Task.FromResult(_recovery?.LatestOffset);

    /// <inheritdoc />
    public override Task PersistSessionAsync(PersistedSession session)
    {
        _recovery?.Persist(session);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task<PersistedSession?> RestoreSessionAsync(string pid, string? offset) =>
        Task.FromResult(_recovery?.Take(pid, offset));

    /// <inheritdoc />
    public override Task<IReadOnlyList<OutgoingPacket>?> FetchMissedPacketsAsync(PersistedSession session) =>
        Task.FromResult(_recovery?.PacketsAfter(session));

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        _recovery?.Dispose();
        return base.DisposeAsync();
    }

    /// <summary>A snapshot of the rooms and their members.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> GetRooms()
    {
        lock (_sync)
        {
            return _rooms.ToDictionary(r => r.Key, r => (IReadOnlySet<string>)new HashSet<string>(r.Value), StringComparer.Ordinal);
        }
    }

    /// <summary>Whether a room has members on this node (cheaper than <see cref="GetRooms"/>).</summary>
    protected bool HasRoom(string room)
    {
        lock (_sync)
        {
            return _rooms.ContainsKey(room);
        }
    }

    /// <inheritdoc />
    public override void AddAll(string id, IEnumerable<string> rooms)
    {
        List<(string Room, bool Created)>? events = null;
        lock (_sync)
        {
            if (!_sids.TryGetValue(id, out var socketRooms))
            {
                _sids[id] = socketRooms = new HashSet<string>(StringComparer.Ordinal);
            }

            foreach (var room in rooms)
            {
                if (!socketRooms.Add(room))
                {
                    continue;
                }

                var created = false;
                if (!_rooms.TryGetValue(room, out var members))
                {
                    _rooms[room] = members = new HashSet<string>(StringComparer.Ordinal);
                    created = true;
                }

                if (members.Add(id))
                {
                    (events ??= new()).Add((room, created));
                }
            }
        }

        if (events is not null)
        {
            foreach (var (room, created) in events)
            {
                if (created)
                {
                    OnRoomCreated(room);
                }

                OnRoomJoined(room, id);
            }
        }
    }

    /// <inheritdoc />
    public override void Del(string id, string room)
    {
        bool left, deleted;
        lock (_sync)
        {
            if (_sids.TryGetValue(id, out var socketRooms))
            {
                socketRooms.Remove(room);
            }

            (left, deleted) = RemoveFromRoom(id, room);
        }

        Notify(id, room, left, deleted);
    }

    /// <inheritdoc />
    public override void DelAll(string id)
    {
        List<(string Room, bool Deleted)>? events = null;
        lock (_sync)
        {
            if (!_sids.Remove(id, out var socketRooms))
            {
                return;
            }

            foreach (var room in socketRooms)
            {
                var (left, deleted) = RemoveFromRoom(id, room);
                if (left)
                {
                    (events ??= new()).Add((room, deleted));
                }
            }
        }

        if (events is not null)
        {
            foreach (var (room, deleted) in events)
            {
                Notify(id, room, true, deleted);
            }
        }
    }

    /// <inheritdoc />
    public override IReadOnlySet<string>? SocketRooms(string id)
    {
        lock (_sync)
        {
            return _sids.TryGetValue(id, out var rooms) ? new HashSet<string>(rooms, StringComparer.Ordinal) : null;
        }
    }

    /// <inheritdoc />
    public override void Broadcast(OutgoingPacket packet, BroadcastOptions options)
    {
        if (_recovery is not null && IsRecoverable(packet, options))
        {
            BroadcastRecoverable(packet, options, _recovery);
            return;
        }

        BroadcastLocal(packet, options);
    }

    /// <summary>Delivers a packet to this node's targeted sockets only, encoding it once (no recovery log).</summary>
    protected void BroadcastLocal(OutgoingPacket packet, BroadcastOptions options)
    {
        if (packet.Namespace != Namespace.Name)
        {
            packet = packet with { Namespace = Namespace.Name };
        }

        var encoded = Namespace.Server.Encode(packet);
        Apply(options, (encoded, packet, options.Flags), static (socket, state) => socket.WriteBroadcast(state.encoded, state.packet, state.Flags));
    }

    /// <summary>
    /// Gives the packet the next offset as its last argument (where Node's client reads it), logs
    /// it and delivers it. One lock over both, so clients get packets in offset order and a socket
    /// being recovered sees every packet either in the log or live.
    /// </summary>
    private void BroadcastRecoverable(OutgoingPacket packet, BroadcastOptions options, InMemorySessionStore store)
    {
        lock (_sync)
        {
            var offset = store.NextOffset();
            var data = new object?[packet.Data.Length + 1];
            packet.Data.CopyTo(data, 0);
            data[^1] = offset;
            var logged = packet with { Namespace = Namespace.Name, Data = data };
            var encoded = Namespace.Server.Encode(logged);
            long size = encoded.Text.Length;
            foreach (var attachment in encoded.Attachments)
            {
                size += attachment.Length;
            }

            store.Add(offset, logged, options, size);
            Apply(options, (encoded, logged, options.Flags), static (socket, state) => socket.WriteBroadcast(state.encoded, state.logged, state.Flags));
        }
    }

    /// <inheritdoc />
    public override void BroadcastWithAck(OutgoingPacket packet, BroadcastOptions options, Action<int> clientCountCallback, Action<SocketIOArguments> ack)
    {
        // One id for every recipient: the namespace's counter never hands it out twice.
        var withId = packet with { Id = Namespace.NextAckId(), Namespace = Namespace.Name };
        var encoded = Namespace.Server.Encode(withId);
        var count = 0;
        Apply(options, (encoded, withId, options.Flags, ack), (socket, state) =>
        {
            count++;
            socket.RegisterAck(state.withId.Id!.Value, state.ack);
            socket.WriteBroadcast(state.encoded, state.withId, state.Flags);
        });
        clientCountCallback(count);
    }

    /// <inheritdoc />
    public override Task<IReadOnlySet<string>> SocketsAsync(IReadOnlySet<string> rooms)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        Apply(new BroadcastOptions { Rooms = rooms }, ids, static (socket, set) => set.Add(socket.Id));
        return Task.FromResult<IReadOnlySet<string>>(ids);
    }

    /// <inheritdoc />
    public override Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options)
    {
        var sockets = new List<RemoteSocket>();
        Apply(options, sockets, static (socket, list) => list.Add(RemoteSocket.FromLocal(socket)));
        return Task.FromResult<IReadOnlyList<RemoteSocket>>(sockets);
    }

    /// <inheritdoc />
    public override Task AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        foreach (var socket in Collect(options))
        {
            socket.JoinLocal(rooms);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task DelSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        foreach (var socket in Collect(options))
        {
            foreach (var room in rooms)
            {
                socket.LeaveLocal(room);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task DisconnectSocketsAsync(BroadcastOptions options, bool close)
    {
        foreach (var socket in Collect(options))
        {
            socket.Disconnect(close);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task ServerSideEmitAsync(object?[] packet) => Task.CompletedTask;

    /// <inheritdoc />
    public override Task<IReadOnlyList<SocketIOArguments>> ServerSideEmitWithAckAsync(object?[] packet, TimeSpan timeout) =>
        Task.FromResult<IReadOnlyList<SocketIOArguments>>(Array.Empty<SocketIOArguments>());

    /// <summary>Runs <paramref name="action"/> once for each local socket targeted by <paramref name="options"/>.</summary>
    protected void Apply<TState>(BroadcastOptions options, TState state, Action<Socket, TState> action)
    {
        var sockets = Namespace.SocketsById;
        lock (_sync)
        {
            var except = ComputeExceptSids(options.Except);
            if (options.Rooms.Count == 0)
            {
                foreach (var (id, socket) in sockets)
                {
                    if (except is null || !except.Contains(id))
                    {
                        action(socket, state);
                    }
                }

                return;
            }

            // Deduplication is only needed when a socket can be met in two rooms.
            var seen = options.Rooms.Count > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
            foreach (var room in options.Rooms)
            {
                if (!_rooms.TryGetValue(room, out var members))
                {
                    continue;
                }

                foreach (var id in members)
                {
                    if ((except is not null && except.Contains(id)) || (seen is not null && !seen.Add(id)))
                    {
                        continue;
                    }

                    if (sockets.TryGetValue(id, out var socket))
                    {
                        action(socket, state);
                    }
                }
            }
        }
    }

    private List<Socket> Collect(BroadcastOptions options)
    {
        var sockets = new List<Socket>();
        Apply(options, sockets, static (socket, list) => list.Add(socket));
        return sockets;
    }

    // Callers hold _sync.
    private HashSet<string>? ComputeExceptSids(IReadOnlySet<string> exceptRooms)
    {
        if (exceptRooms.Count == 0)
        {
            return null;
        }

        var sids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var room in exceptRooms)
        {
            if (_rooms.TryGetValue(room, out var members))
            {
                sids.UnionWith(members);
            }
        }

        return sids;
    }

    // Callers hold _sync.
    private (bool Left, bool Deleted) RemoveFromRoom(string id, string room)
    {
        if (!_rooms.TryGetValue(room, out var members) || !members.Remove(id))
        {
            return (false, false);
        }

        if (members.Count > 0)
        {
            return (true, false);
        }

        _rooms.Remove(room);
        return (true, true);
    }

    private void Notify(string id, string room, bool left, bool deleted)
    {
        // Node's order: leave-room, then delete-room.
        if (left)
        {
            OnRoomLeft(room, id);
        }

        if (deleted)
        {
            OnRoomDeleted(room);
        }
    }
}
