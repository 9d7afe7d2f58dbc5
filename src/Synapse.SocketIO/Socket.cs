using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO;

/// <summary>
/// A client's connection to one namespace (Node's server-side <c>Socket</c>): it receives the
/// client's events, emits to it, joins and leaves rooms, and starts broadcasts that exclude itself.
/// </summary>
public sealed partial class Socket
{
    private static readonly IReadOnlySet<string> NoRooms = new HashSet<string>();

    // Node's list: the disconnections that were not asked for by either side.
    private static readonly HashSet<string> RecoverableReasons = new(StringComparer.Ordinal)
    {
        DisconnectReason.TransportError,
        DisconnectReason.TransportClose,
        DisconnectReason.ForcedClose,
        DisconnectReason.PingTimeout,
        DisconnectReason.ServerShuttingDown,
        DisconnectReason.ForcedServerClose,
    };

    private readonly Client _client;
    // Most sockets never wait for an acknowledgement nor touch Data: both are created on first
    // use, as a connected idle socket should cost as little memory as possible (benchmark S1).
    private ConcurrentDictionary<long, Action<SocketIOArguments>>? _acks;
    private IDictionary<string, object?>? _data;
    // Created by the first reader of DisconnectedToken (most sockets have none): cancelled by
    // whichever of that reader and the socket's close comes second (see DisconnectedToken).
    private CancellationTokenSource? _lifetime;
    private List<SocketIOPacket>? _pending = new();
    private int _connected;
    private int _closed;

    // Connection state recovery's per-socket state, null when recovery is off (most servers):
    // one reference rather than four fields on every socket (benchmark S1).
    private readonly RecoveryState? _recovery;

    internal Socket(Namespace nsp, Client client, JsonElement auth, PersistedSession? restored = null)
    {
        Namespace = nsp;
        _client = client;
        Handshake = new SocketHandshake(client.Conn.Handshake, auth);
        if (restored is not null)
        {
            _recovery = new RecoveryState(restored.Pid, restored) { Offset = restored.Offset };
            Id = restored.Sid;
            Data = restored.Data;
            Recovered = true;
            JoinLocalInBackground(restored.Rooms);
        }
        else
        {
            Id = Internal.IdGenerator.NewId();
            if (nsp.Server.Options.ConnectionStateRecovery is not null)
            {
                _recovery = new RecoveryState(Internal.IdGenerator.NewId(), null);
            }
        }
    }

    // The server's logger for sockets: a field per socket would be 8 bytes more for each (benchmark S1).
    private ILogger Logger => Namespace.Server.SocketLogger;

    /// <summary>The socket id: unique, also the name of the socket's own room.</summary>
    public string Id { get; }

    /// <summary>The namespace the socket is connected to.</summary>
    public Namespace Namespace { get; }

    /// <summary>The server.</summary>
    public SocketIOServer Server => Namespace.Server;

    /// <summary>The handshake details.</summary>
    public SocketHandshake Handshake { get; }

    /// <summary>Application state attached to the socket (Node's <c>socket.data</c>); fetched sockets carry it too.</summary>
    /// <remarks>Setting null gives the socket a new, empty dictionary.</remarks>
    public IDictionary<string, object?> Data
    {
        get => System.Threading.Volatile.Read(ref _data) ?? CreateData();
        set => System.Threading.Volatile.Write(ref _data, value);
    }

    /// <summary>The rooms the socket is in, its own id included.</summary>
    public IReadOnlySet<string> Rooms => Namespace.Adapter.SocketRooms(Id) ?? NoRooms;

    /// <summary>Whether the socket is connected.</summary>
    public bool Connected => System.Threading.Volatile.Read(ref _connected) == 1;

    /// <summary>
    /// Whether the connection state was recovered after a temporary disconnection
    /// (<see cref="SocketIOOptions.ConnectionStateRecovery"/>): the id, rooms and <see cref="Data"/>
    /// are the previous socket's, and the packets the client missed were sent again.
    /// </summary>
    public bool Recovered { get; }

    /// <summary>The private session id (Node's <c>pid</c>) a client presents to recover; null when recovery is off.</summary>
    internal string? Pid => _recovery?.Pid;

    /// <summary>The session this socket was restored from.</summary>
    internal PersistedSession? RestoredSession => _recovery?.Restored;

    /// <summary>The underlying Engine.IO connection (Node's <c>socket.conn</c>).</summary>
    public EngineSocket Conn => _client.Conn;

    /// <summary>Cancelled when the socket disconnects; handlers may take it as a parameter.</summary>
    public CancellationToken DisconnectedToken => (System.Threading.Volatile.Read(ref _lifetime) ?? CreateLifetime()).Token;

    // One lock for the short critical sections of a socket (the two queues below, the listener
    // lists' copy-on-write): none calls out while holding it. It is the client's object, which
    // the client locks for its own equally short sections, rather than one more object for
    // every idle socket (benchmark S1); sharing it can only make two sockets of one connection
    // wait for each other an instant.
    private object StateLock => _client;

    /// <summary>Raised when the socket is about to disconnect; <see cref="Rooms"/> is still readable.</summary>
    public event Action<Socket, string>? Disconnecting
    {
        add => Rare.Disconnecting += value;
        remove => _rare?.Disconnecting -= value;
    }

    /// <summary>Raised once the socket disconnected, with the reason (<see cref="DisconnectReason"/>).</summary>
    public event Action<Socket, string>? Disconnected
    {
        add => Rare.Disconnected += value;
        remove => _rare?.Disconnected -= value;
    }

    /// <summary>Raised when a packet middleware refuses an event or a handler fails.</summary>
    public event Action<Socket, Exception>? Error
    {
        add => Rare.Error += value;
        remove => _rare?.Error -= value;
    }

    /// <summary>Emit modifiers: drop the packet if the client cannot take it now.</summary>
    public SocketEmitter Volatile => new(this, true, true, null);

    /// <summary>Emit modifiers: whether the packet may be compressed.</summary>
    public SocketEmitter Compress(bool compress) => new(this, false, compress, null);

    /// <summary>Emit modifiers: how long <see cref="SocketEmitter.EmitWithAckAsync(string, object?[])"/> waits.</summary>
    public SocketEmitter Timeout(TimeSpan timeout) => new(this, false, true, timeout);

    /// <summary>Emits an event to this client. Arguments may be any JSON-serialisable values, binary included.</summary>
    /// <exception cref="ArgumentException"><paramref name="eventName"/> is reserved.</exception>
    public bool Emit(string eventName, params object?[] args) => EmitCore(eventName, args, false, true);

    /// <summary>Emits <c>message</c> events (Node's <c>socket.send</c>).</summary>
    public Socket Send(params object?[] args)
    {
        Emit("message", args);
        return this;
    }

    /// <summary>Emits an event and waits, without time limit, for the client's acknowledgement.</summary>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, params object?[] args) =>
        EmitWithAckCore(eventName, args, false, true, null, CancellationToken.None);

    /// <summary>Broadcast to rooms, excluding this socket.</summary>
    public BroadcastOperator To(params string[] rooms) => Broadcast.To(rooms);

    /// <summary>Broadcast to rooms, excluding this socket.</summary>
    public BroadcastOperator To(IEnumerable<string> rooms) => Broadcast.To(rooms);

    /// <summary>Same as <see cref="To(string[])"/>.</summary>
    public BroadcastOperator In(params string[] rooms) => Broadcast.To(rooms);

    /// <summary>Same as <see cref="To(IEnumerable{string})"/>.</summary>
    public BroadcastOperator In(IEnumerable<string> rooms) => Broadcast.To(rooms);

    /// <summary>Broadcast to everyone but the given rooms and this socket.</summary>
    public BroadcastOperator Except(params string[] rooms) => Broadcast.Except(rooms);

    /// <summary>Broadcast to everyone but the given rooms and this socket.</summary>
    public BroadcastOperator Except(IEnumerable<string> rooms) => Broadcast.Except(rooms);

    /// <summary>Broadcast to every socket of the namespace except this one.</summary>
    public BroadcastOperator Broadcast => new(Namespace, BroadcastOptions.All with { Except = new HashSet<string> { Id } });

    /// <summary>Joins one room or several. Completes at once with the in-memory adapter.</summary>
    public ValueTask Join(params string[] rooms) => Join((IEnumerable<string>)rooms);

    /// <summary>Joins rooms. Completes at once with the in-memory adapter.</summary>
    public ValueTask Join(IEnumerable<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        return JoinLocal(rooms);
    }

    /// <summary>
    /// Leaves one room or several (Node's <c>leave</c> takes one; several save a loop). Leaving a
    /// room the socket is not in does nothing.
    /// </summary>
    public ValueTask Leave(params string[] rooms) => Leave((IEnumerable<string>)rooms);

    /// <summary>Leaves rooms. Completes at once with the in-memory adapter.</summary>
    public ValueTask Leave(IEnumerable<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        // One room is the common case: no state machine unless the adapter really waits.
        if (rooms is IReadOnlyList<string> { Count: 1 } one)
        {
            return LeaveLocal(one[0]);
        }

        return LeaveAllAsync(rooms);
    }

    private async ValueTask LeaveAllAsync(IEnumerable<string> rooms)
    {
        foreach (var room in rooms)
        {
            await LeaveLocal(room);
        }
    }

    /// <summary>
    /// Disconnects the socket from its namespace (the client gets a DISCONNECT packet, the reason
    /// is "server namespace disconnect"); with <paramref name="close"/>, closes the whole connection.
    /// </summary>
    public Socket Disconnect(bool close = false)
    {
        if (!Connected)
        {
            return this;
        }

        if (close)
        {
            _client.DisconnectAll();
        }
        else
        {
            _client.Write(Server.Encoder.EncodeDisconnect(Namespace.Name), false);
            OnClose(DisconnectReason.ServerNamespaceDisconnect);
        }

        return this;
    }

    internal bool EmitCore(string eventName, object?[] args, bool isVolatile, bool compress)
    {
        ThrowIfReserved(eventName);
        if (Pid is not null && Connected)
        {
            // As in Node, the packet goes through the adapter to the socket's own room, so that
            // it gets an offset and is kept for recovery. Local: the socket is on this node.
            Namespace.Adapter.Broadcast(
                OutgoingPacket.Event(Namespace.Name, eventName, args),
                new BroadcastOptions
                {
                    Rooms = new HashSet<string>(1, StringComparer.Ordinal) { Id },
                    Flags = new BroadcastFlags { Volatile = isVolatile, Compress = compress, Local = true },
                });
            return true;
        }

        NotifyOutgoing(eventName, args);
        _client.Write(Server.Encoder.EncodeEvent(Namespace.Name, eventName, args), isVolatile, compress);
        return true;
    }

    internal async Task<SocketIOArguments> EmitWithAckCore(string eventName, object?[] args, bool isVolatile, bool compress, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ThrowIfReserved(eventName);
        var id = Namespace.NextAckId();
        var completion = new TaskCompletionSource<SocketIOArguments>(TaskCreationOptions.RunContinuationsAsynchronously);
        Acks[id] = response => completion.TrySetResult(response);
        NotifyOutgoing(eventName, args);
        _client.Write(Server.Encoder.EncodeEvent(Namespace.Name, eventName, args, id), isVolatile, compress);
        // A disconnect ends the wait too: the answer can no longer come.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, DisconnectedToken);
        try
        {
            var task = completion.Task.WaitAsync(linked.Token);
            return timeout is { } limit ? await task.WaitAsync(limit, linked.Token) : await task;
        }
        catch (TimeoutException)
        {
            throw new SocketIOAckTimeoutException(1, 0);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The socket disconnected before acknowledging.", DisconnectedToken);
        }
        finally
        {
            _acks?.TryRemove(id, out _);
        }
    }

    /// <summary>Writes a broadcast that an adapter encoded once for every recipient.</summary>
    internal void WriteBroadcast(EncodedSocketIOPacket encoded, OutgoingPacket packet, BroadcastFlags flags)
    {
        if (_rare is { AnyOutgoing.Length: > 0 } && packet.Data.Length > 0 && packet.Data[0] is string eventName)
        {
            NotifyOutgoing(eventName, packet.Data[1..]);
        }

        if (_recovery is { Replay: not null } && TryBuffer(encoded, packet, flags))
        {
            return;
        }

        _client.Write(encoded, flags.Volatile, flags.Compress);
    }

    /// <summary>
    /// A recovered socket is about to be registered: hold live packets until the missed ones
    /// were sent (<see cref="EndReplay"/>), so the client gets everything in order.
    /// </summary>
    internal void BeginReplay()
    {
        lock (StateLock)
        {
            // Only a restored socket replays, and it always has its recovery state.
            _recovery!.Replay = new();
        }
    }

    /// <summary>
    /// Sends the missed packets, then the live ones that arrived meanwhile, skipping those the
    /// replay already carried (a packet can be both in the log and live).
    /// </summary>
    internal void EndReplay(IReadOnlyList<OutgoingPacket>? missed)
    {
        var last = _recovery?.Restored?.Offset;
        if (missed is not null)
        {
            foreach (var packet in missed)
            {
                _client.Write(Server.Encode(packet with { Namespace = Namespace.Name }), false);
                if (packet.Data.Length > 0 && packet.Data[^1] is string offset)
                {
                    last = offset;
                }
            }
        }

        while (true)
        {
            List<(EncodedSocketIOPacket Packet, string? Offset, bool Volatile, bool Compress)> batch;
            lock (StateLock)
            {
                var recovery = _recovery!;
                if (recovery.Replay is null || recovery.Replay.Count == 0)
                {
                    recovery.Replay = null;
                    return;
                }

                batch = recovery.Replay;
                recovery.Replay = new();
            }

            foreach (var (packet, offset, isVolatile, compress) in batch)
            {
                if (offset is not null && last is not null && RecoveryOffset.Compare(offset, last) <= 0)
                {
                    continue;
                }

                _client.Write(packet, isVolatile, compress);
            }
        }
    }

    private bool TryBuffer(EncodedSocketIOPacket encoded, OutgoingPacket packet, BroadcastFlags flags)
    {
        // Recovery appends the offset as the last argument of every packet it logs.
        var offset = packet.Type is SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent && packet.Id is null && !flags.Volatile && packet.Data.Length > 1
            ? packet.Data[^1] as string
            : null;
        lock (StateLock)
        {
            if (_recovery?.Replay is not { } replay)
            {
                return false;
            }

            replay.Add((encoded, offset, flags.Volatile, flags.Compress));
            return true;
        }
    }

    internal void RegisterAck(long id, Action<SocketIOArguments> ack) => Acks[id] = ack;

    private ConcurrentDictionary<long, Action<SocketIOArguments>> Acks =>
        System.Threading.Volatile.Read(ref _acks) ?? LazyInitializer.EnsureInitialized(ref _acks, static () => new(concurrencyLevel: 1, capacity: 4));

    private CancellationTokenSource CreateLifetime()
    {
        var created = new CancellationTokenSource();
        var lifetime = Interlocked.CompareExchange(ref _lifetime, created, null) ?? created;
        // Both sides use full fences (the exchanges on _lifetime and _closed): a close either sees
        // this source and cancels it, or has set _closed before this read.
        if (System.Threading.Volatile.Read(ref _closed) == 1)
        {
            lifetime.Cancel();
        }

        return lifetime;
    }

    // Callers have set _closed with Interlocked.Exchange.
    private void CancelLifetime() => System.Threading.Volatile.Read(ref _lifetime)?.Cancel();

    private IDictionary<string, object?> CreateData()
    {
        // Thread-safe: concurrent first readers agree on one dictionary; a setter always wins.
        var created = new ConcurrentDictionary<string, object?>(StringComparer.Ordinal);
        return Interlocked.CompareExchange(ref _data, created, null) ?? created;
    }

    internal ValueTask JoinLocal(IEnumerable<string> rooms) =>
        System.Threading.Volatile.Read(ref _closed) == 0 ? Namespace.Adapter.AddAllAsync(Id, rooms) : ValueTask.CompletedTask;

    internal ValueTask LeaveLocal(string room) => Namespace.Adapter.DelAsync(Id, room);

    /// <summary>
    /// Joins where nothing can wait for the adapter (Node's <c>_onconnect</c> does not wait either):
    /// an adapter that completes asynchronously has its failure logged, not lost.
    /// </summary>
    private void JoinLocalInBackground(IEnumerable<string> rooms)
    {
        var join = JoinLocal(rooms);
        if (!join.IsCompletedSuccessfully)
        {
            _ = ObserveJoinAsync(join);
        }
    }

    private async Task ObserveJoinAsync(ValueTask join)
    {
        try
        {
            await join;
        }
        catch (Exception ex)
        {
            Log.AdapterJoinFailed(Logger, ex, Id, Namespace.Name);
        }
    }

    /// <summary>
    /// The socket will never connect (a middleware refused it, or the connection closed meanwhile):
    /// leave the rooms a middleware may have joined, and join no more (Node's <c>_cleanup</c>).
    /// </summary>
    internal void Discard()
    {
        Interlocked.Exchange(ref _closed, 1);
        Namespace.Adapter.DelAll(Id);
        CancelLifetime();
        if (_recovery?.Restored is { } restored)
        {
            // The session was taken but not used: keep it, the client may try again.
            _ = PersistAsync(restored);
        }
    }

    /// <summary>The namespace accepted the socket: join its own room and tell the client.</summary>
    internal void OnConnect()
    {
        System.Threading.Volatile.Write(ref _connected, 1);
        JoinLocalInBackground([Id]);
        if (_recovery is { } recovery && !Recovered)
        {
            recovery.OffsetTask = Namespace.Adapter.LatestOffsetAsync();
        }

        _client.Write(Server.Encoder.EncodeConnect(Namespace.Name, new ConnectReply(Id, Pid)), false);
    }

    /// <summary>
    /// Takes a packet from the client. Until the connection handlers have run, packets wait here:
    /// the client may send as soon as it sees CONNECT, and an event must not reach a socket
    /// whose handlers are not registered yet (Node gets this for free by being single-threaded).
    /// </summary>
    internal void OnPacket(SocketIOPacket packet)
    {
        lock (StateLock)
        {
            if (_pending is not null)
            {
                _pending.Add(packet);
                return;
            }
        }

        Process(packet);
    }

    /// <summary>The connection handlers ran: deliver what waited, in order, then go direct.</summary>
    internal void MarkReady()
    {
        while (true)
        {
            List<SocketIOPacket> batch;
            lock (StateLock)
            {
                if (_pending is null || _pending.Count == 0)
                {
                    _pending = null;
                    return;
                }

                batch = _pending;
                _pending = new List<SocketIOPacket>();
            }

            foreach (var packet in batch)
            {
                Process(packet);
            }
        }
    }

    private void Process(SocketIOPacket packet)
    {
        switch (packet.Type)
        {
            case SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent:
                OnEvent(packet);
                break;
            case SocketIOPacketType.Ack or SocketIOPacketType.BinaryAck:
                if (packet.AckId is { } id && _acks is { } acks && acks.TryRemove(id, out var ack))
                {
                    ack(new SocketIOArguments(packet, 0, Server.Encoder.SerializerOptions));
                }

                break;
            case SocketIOPacketType.Disconnect:
                OnClose(DisconnectReason.ClientNamespaceDisconnect);
                break;
        }
    }

    /// <summary>The socket leaves: rooms are readable during <see cref="Disconnecting"/>, gone after.</summary>
    internal void OnClose(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        var wasConnected = Interlocked.Exchange(ref _connected, 0) == 1;
        if (wasConnected)
        {
            Raise(_rare?.DisconnectingHandlers, reason);
            RaiseReservedListeners("disconnecting", reason);
            if (_recovery is { } recovery && RecoverableReasons.Contains(reason))
            {
                var rooms = Namespace.Adapter.SocketRooms(Id) ?? NoRooms;
                _ = PersistAsync(new PersistedSession(Id, recovery.Pid, [.. rooms], Data) { Offset = recovery.Offset }, recovery.OffsetTask);
            }
        }

        Namespace.Adapter.DelAll(Id);
        Namespace.Remove(this);
        _client.Remove(this);
        _acks?.Clear();
        CancelLifetime();
        if (wasConnected)
        {
            Server.Metrics.SocketDisconnected();
            Log.Disconnected(Logger, Id, Namespace.Name, reason);
            Raise(_rare?.DisconnectedHandlers, reason);
            RaiseReservedListeners("disconnect", reason);
        }
    }

    internal void OnError(Exception error)
    {
        var handler = _rare?.ErrorHandlers;
        if (handler is null)
        {
            Log.UnhandledError(Logger, Id, error);
            return;
        }

        try
        {
            handler(this, error);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(Logger, Id, "error", ex);
        }
    }

    private void Raise(Action<Socket, string>? handler, string reason)
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, reason);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(Logger, Id, "disconnect", ex);
        }
    }

    private static void ThrowIfReserved(string eventName)
    {
        if (Internal.ReservedEvents.Contains(eventName))
        {
            throw new ArgumentException($"\"{eventName}\" is a reserved event name", nameof(eventName));
        }
    }

    private async Task PersistAsync(PersistedSession session, Task<string?>? offset = null)
    {
        try
        {
            if (session.Offset is null && offset is not null)
            {
                session = session with { Offset = await offset };
            }

            await Namespace.Adapter.PersistSessionAsync(session);
        }
        catch (Exception ex)
        {
            Log.PersistFailed(Logger, Id, ex);
        }
    }

    /// <summary>A socket's connection state recovery details.</summary>
    private sealed class RecoveryState(string pid, PersistedSession? restored)
    {
        /// <summary>The private session id (Node's <c>pid</c>).</summary>
        public string Pid { get; } = pid;

        /// <summary>The session the socket was restored from.</summary>
        public PersistedSession? Restored { get; } = restored;

        /// <summary>Where the socket starts missing packets when its client has processed none (persisted with the session).</summary>
        public string? Offset { get; init; }

        /// <summary>The adapter's latest offset when the socket connected, for a socket that was not restored.</summary>
        public Task<string?>? OffsetTask { get; set; }

        /// <summary>
        /// Live packets held while a restored socket's missed ones are sent (<see cref="BeginReplay"/>
        /// to <see cref="EndReplay"/>); replaced under the socket's StateLock, read without it.
        /// </summary>
        public List<(EncodedSocketIOPacket Packet, string? Offset, bool Volatile, bool Compress)>? Replay { get; set; }
    }

    private sealed record ConnectReply(
        [property: JsonPropertyName("sid")] string Sid,
        [property: JsonPropertyName("pid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Pid);
}
