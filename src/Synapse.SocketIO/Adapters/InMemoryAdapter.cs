using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synapse.SocketIO.Internal;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO.Adapters;

/// <summary>
/// The default adapter: rooms kept in this process, broadcasts encoded once and the same bytes
/// queued to every recipient. Room membership lookups are hash lookups; a socket in several
/// targeted rooms receives a broadcast once. Each room caches the array of its local sockets
/// (rebuilt on the first broadcast after a join, a leave or a socket's arrival or departure in the
/// namespace), so a broadcast walks that array instead of looking every member up.
/// </summary>
public class InMemoryAdapter : Adapter
{
    private readonly object _sync = new();
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);
    // Each socket's rooms. The sets are compact (no collection for a single member): most sockets
    // are in their own room only, and each socket's own room has one member.
    private readonly Dictionary<string, CompactStringSet> _sids = new(StringComparer.Ordinal);

    // Every socket of the namespace, for broadcasts without rooms; same rules as Room's cache.
    private Socket[]? _allSockets;
    private int _allSocketsVersion;

    private static readonly Action<Socket, (EncodedSocketIOPacket Encoded, OutgoingPacket Packet, BroadcastFlags Flags)> s_write =
        static (socket, state) => socket.WriteBroadcast(state.Encoded, state.Packet, state.Flags);

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

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, IReadOnlySet<string>> GetRooms()
    {
        lock (_sync)
        {
            return _rooms.ToDictionary(r => r.Key, r => (IReadOnlySet<string>)r.Value.Members.ToHashSet(), StringComparer.Ordinal);
        }
    }

    /// <inheritdoc />
    public override IReadOnlySet<string>? RoomMembers(string room)
    {
        lock (_sync)
        {
            return _rooms.TryGetValue(room, out var members) ? members.Members.ToHashSet() : null;
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
    public override ValueTask AddAllAsync(string id, IEnumerable<string> rooms)
    {
        List<(string Room, bool Created)>? events = null;
        lock (_sync)
        {
            // A reference into the dictionary's storage: _sids does not change while it is used.
            ref var socketRooms = ref CollectionsMarshal.GetValueRefOrAddDefault(_sids, id, out _);
            foreach (var room in rooms)
            {
                if (!socketRooms.Add(room))
                {
                    continue;
                }

                var created = false;
                if (!_rooms.TryGetValue(room, out var members))
                {
                    _rooms[room] = members = new Room();
                    created = true;
                }

                if (members.Members.Add(id))
                {
                    members.Sockets = null;
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

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override ValueTask DelAsync(string id, string room)
    {
        bool left, deleted;
        lock (_sync)
        {
            ref var socketRooms = ref CollectionsMarshal.GetValueRefOrNullRef(_sids, id);
            if (!Unsafe.IsNullRef(ref socketRooms))
            {
                socketRooms.Remove(room);
            }

            (left, deleted) = RemoveFromRoom(id, room);
        }

        Notify(id, room, left, deleted);
        return ValueTask.CompletedTask;
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
            return _sids.TryGetValue(id, out var rooms) ? rooms.ToHashSet() : null;
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
        Apply(options, (encoded, packet, options.Flags), s_write);
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

            // Apply takes the lock again (Monitor is reentrant), so the delivery stays inside the
            // lock that ordered the offsets.
            Apply(options, (encoded, logged, options.Flags), s_write);
        }
    }

    /// <inheritdoc />
    public override void BroadcastWithAck(OutgoingPacket packet, BroadcastOptions options, Action<int> clientCountCallback, Action<SocketIOArguments> ack)
    {
        // One id for every recipient: the namespace's counter never hands it out twice.
        var withId = packet with { Id = Namespace.NextAckId(), Namespace = Namespace.Name };
        var encoded = Namespace.Server.Encode(withId);
        var count = Apply(options, (encoded, withId, options.Flags, ack), static (socket, state) =>
        {
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
    public override async Task AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        foreach (var socket in Collect(options))
        {
            await socket.JoinLocal(rooms);
        }
    }

    /// <inheritdoc />
    public override async Task DelSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        foreach (var socket in Collect(options))
        {
            foreach (var room in rooms)
            {
                await socket.LeaveLocal(room);
            }
        }
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

    /// <summary>
    /// Runs <paramref name="action"/> once for each local socket targeted by <paramref name="options"/>
    /// and returns how many it ran for. The action runs under the adapter's lock, so concurrent
    /// broadcasts reach all their recipients in one order, as a single-threaded server would.
    /// </summary>
    protected int Apply<TState>(BroadcastOptions options, TState state, Action<Socket, TState> action)
    {
        lock (_sync)
        {
            // Read before any snapshot is built: a socket registered meanwhile bumps it again, so the
            // snapshot is rebuilt on the next broadcast rather than trusted as current.
            var version = Namespace.SocketsVersion;
            var except = ExceptSids(options.Except);
            if (options.Rooms.Count == 0)
            {
                return Deliver(AllSockets(version), except, null, state, action);
            }

            // Deduplication is only needed when a socket can be met in two rooms.
            var seen = options.Rooms.Count > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
            var count = 0;
            if (options.Rooms is HashSet<string> rooms)
            {
                // The struct enumerator: no allocation for the common case.
                foreach (var room in rooms)
                {
                    count += DeliverToRoom(room, version, except, seen, state, action);
                }
            }
            else
            {
                foreach (var room in options.Rooms)
                {
                    count += DeliverToRoom(room, version, except, seen, state, action);
                }
            }

            return count;
        }
    }

    // Callers hold _sync.
    private int DeliverToRoom<TState>(string name, int version, CompactStringSet except, HashSet<string>? seen, TState state, Action<Socket, TState> action) =>
        _rooms.TryGetValue(name, out var room) ? Deliver(RoomSockets(room, version), except, seen, state, action) : 0;

    private static int Deliver<TState>(Socket[] sockets, CompactStringSet except, HashSet<string>? seen, TState state, Action<Socket, TState> action)
    {
        var count = 0;
        foreach (var socket in sockets)
        {
            if (except.Contains(socket.Id) || (seen is not null && !seen.Add(socket.Id)))
            {
                continue;
            }

            action(socket, state);
            count++;
        }

        return count;
    }

    // Callers hold _sync. The members registered in the namespace (SocketsById), as when each was
    // looked up per broadcast: sockets that joined before their CONNECT completed, or that are
    // leaving, are left out the same way.
    private Socket[] RoomSockets(Room room, int version)
    {
        if (room.Sockets is { } cached && room.SocketsVersion == version)
        {
            return cached;
        }

        var registered = Namespace.SocketsById;
        var sockets = new List<Socket>(room.Members.Count);
        foreach (var id in room.Members)
        {
            if (registered.TryGetValue(id, out var socket))
            {
                sockets.Add(socket);
            }
        }

        room.Sockets = sockets.Count == 0 ? [] : sockets.ToArray();
        room.SocketsVersion = version;
        return room.Sockets;
    }

    // Callers hold _sync.
    private Socket[] AllSockets(int version)
    {
        if (_allSockets is null || _allSocketsVersion != version)
        {
            _allSockets = [.. Namespace.SocketsById.Values];
            _allSocketsVersion = version;
        }

        return _allSockets;
    }

    private List<Socket> Collect(BroadcastOptions options)
    {
        var sockets = new List<Socket>();
        Apply(options, sockets, static (socket, list) => list.Add(socket));
        return sockets;
    }

    // Callers hold _sync. With one room excepted (socket.broadcast), its own member set serves
    // as is (a copy of the struct over the same members): it cannot change while the lock is held.
    private CompactStringSet ExceptSids(IReadOnlySet<string> exceptRooms)
    {
        if (exceptRooms.Count == 0)
        {
            return default;
        }

        Room? single = null;
        HashSet<string>? union = null;
        foreach (var name in exceptRooms)
        {
            if (!_rooms.TryGetValue(name, out var room))
            {
                continue;
            }

            if (single is null)
            {
                single = room;
            }
            else
            {
                if (union is null)
                {
                    union = new HashSet<string>(StringComparer.Ordinal);
                    single.Members.CopyTo(union);
                }

                room.Members.CopyTo(union);
            }
        }

        return union is not null ? CompactStringSet.Over(union) : single?.Members ?? default;
    }

    // Callers hold _sync.
    private (bool Left, bool Deleted) RemoveFromRoom(string id, string room)
    {
        if (!_rooms.TryGetValue(room, out var members) || !members.Members.Remove(id))
        {
            return (false, false);
        }

        members.Sockets = null;
        if (members.Members.Count > 0)
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

    /// <summary>A room's members and the cached array of those registered in the namespace.</summary>
    private sealed class Room
    {
        /// <summary>A field, not a property: the struct is changed in place.</summary>
        public CompactStringSet Members;

        /// <summary>Null after a join or leave; rebuilt by the next broadcast.</summary>
        public Socket[]? Sockets { get; set; }

        /// <summary>The namespace's <see cref="Namespace.SocketsVersion"/> when <see cref="Sockets"/> was built.</summary>
        public int SocketsVersion { get; set; }
    }
}
