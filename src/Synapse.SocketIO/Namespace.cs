using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Adapters;

namespace Synapse.SocketIO;

/// <summary>
/// A communication channel with its own sockets, rooms, middlewares and adapter (Node's
/// <c>Namespace</c>). Every broadcast operator method is also available here, targeting the
/// whole namespace.
/// </summary>
public partial class Namespace
{
    private readonly ConcurrentDictionary<string, Socket> _sockets = new(StringComparer.Ordinal);
    private int _socketsVersion;
    private readonly object _sync = new();
    private readonly ILogger _logger;
    private ImmutableArray<Func<Socket, Func<Task>, Task>> _middlewares = [];
    private ImmutableArray<Func<Socket, Task>> _connectionHandlers = [];
    private static readonly AckCallback NoAck = static _ => { };
    private ImmutableDictionary<string, ImmutableArray<Action<SocketIOArguments, AckCallback>>> _serverSideHandlers =
        ImmutableDictionary.Create<string, ImmutableArray<Action<SocketIOArguments, AckCallback>>>(StringComparer.Ordinal);
    private long _ackIds;

    internal Namespace(SocketIOServer server, string name, ILogger logger)
    {
        Server = server;
        Name = name;
        _logger = logger;
        Adapter = CreateAdapter();
    }

    /// <summary>The namespace name, such as <c>/</c> or <c>/admin</c>.</summary>
    public string Name { get; }

    /// <summary>The server.</summary>
    public SocketIOServer Server { get; }

    /// <summary>The adapter carrying this namespace's rooms and broadcasts.</summary>
    public Adapter Adapter { get; }

    /// <summary>The sockets connected to this namespace on this node, by id.</summary>
    public IReadOnlyDictionary<string, Socket> Sockets => _sockets;

    internal ConcurrentDictionary<string, Socket> SocketsById => _sockets;

    /// <summary>
    /// Changes whenever a socket is added to or removed from <see cref="SocketsById"/>, after the
    /// change: an adapter that caches the local sockets of a room rebuilds the cache when it moved.
    /// </summary>
    internal int SocketsVersion => System.Threading.Volatile.Read(ref _socketsVersion);

    internal ImmutableArray<Func<Socket, Func<Task>, Task>> Middlewares => _middlewares;

    internal ImmutableArray<Func<Socket, Task>> ConnectionHandlers => _connectionHandlers;

    /// <summary>
    /// Adds a connection middleware, run in order for every socket before it connects. Call
    /// <c>next()</c> to go on; throw (a <see cref="SocketIOConnectException"/> to pass data) to refuse:
    /// the client's <c>connect_error</c> receives the message and data.
    /// </summary>
    public Namespace Use(Func<Socket, Func<Task>, Task> middleware)
    {
        lock (_sync)
        {
            _middlewares = _middlewares.Add(middleware);
        }

        return this;
    }

    /// <summary>Runs <paramref name="handler"/> for each socket that connects.</summary>
    public Namespace OnConnection(Action<Socket> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return OnConnection(socket =>
        {
            handler(socket);
            return Task.CompletedTask;
        });
    }

    /// <summary>Runs an async <paramref name="handler"/> for each socket that connects.</summary>
    public Namespace OnConnection(Func<Socket, Task> handler)
    {
        lock (_sync)
        {
            _connectionHandlers = _connectionHandlers.Add(handler);
        }

        return this;
    }

    /// <summary>Listens to an event sent by other nodes with <see cref="ServerSideEmitAsync"/>.</summary>
    public Namespace OnServerSideEmit(string eventName, Action<SocketIOArguments> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return OnServerSideEmit(eventName, (args, _) => handler(args));
    }

    /// <summary>
    /// Listens to an event sent by other nodes, with <see cref="ServerSideEmitAsync"/> or
    /// <see cref="ServerSideEmitWithAckAsync"/>: in the second case the sender awaits the
    /// <see cref="AckCallback"/>'s first argument (only the first call counts; a node that never
    /// calls it makes the sender time out). Without an acknowledgement requested it does nothing.
    /// </summary>
    public Namespace OnServerSideEmit(string eventName, Action<SocketIOArguments, AckCallback> handler)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_sync)
        {
            var list = _serverSideHandlers.TryGetValue(eventName, out var existing) ? existing : [];
            _serverSideHandlers = _serverSideHandlers.SetItem(eventName, list.Add(handler));
        }

        return this;
    }

    /// <summary>Targets a room.</summary>
    public BroadcastOperator To(params string[] rooms) => NewOperator().To(rooms);

    /// <summary>Targets rooms.</summary>
    public BroadcastOperator To(IEnumerable<string> rooms) => NewOperator().To(rooms);

    /// <summary>Same as <see cref="To(string[])"/>.</summary>
    public BroadcastOperator In(params string[] rooms) => NewOperator().To(rooms);

    /// <summary>Same as <see cref="To(IEnumerable{string})"/>.</summary>
    public BroadcastOperator In(IEnumerable<string> rooms) => NewOperator().To(rooms);

    /// <summary>Excludes rooms.</summary>
    public BroadcastOperator Except(params string[] rooms) => NewOperator().Except(rooms);

    /// <summary>Excludes rooms.</summary>
    public BroadcastOperator Except(IEnumerable<string> rooms) => NewOperator().Except(rooms);

    /// <summary>Drops packets for clients that cannot take them right now.</summary>
    public BroadcastOperator Volatile => NewOperator().Volatile;

    /// <summary>Only this node's clients.</summary>
    public BroadcastOperator Local => NewOperator().Local;

    /// <summary>Whether packets may be compressed.</summary>
    public BroadcastOperator Compress(bool compress) => NewOperator().Compress(compress);

    /// <summary>How long acknowledgements are awaited.</summary>
    public BroadcastOperator Timeout(TimeSpan timeout) => NewOperator().Timeout(timeout);

    /// <summary>Emits to every socket of the namespace.</summary>
    public bool Emit(string eventName, params object?[] args) => NewOperator().Emit(eventName, args);

    /// <summary>Emits to every socket and gathers acknowledgements.</summary>
    public Task<IReadOnlyList<SocketIOArguments>> EmitWithAckAsync(string eventName, params object?[] args) =>
        NewOperator().EmitWithAckAsync(eventName, args);

    /// <summary>Emits <c>message</c> to every socket.</summary>
    public Namespace Send(params object?[] args)
    {
        Emit("message", args);
        return this;
    }

    /// <summary>Every socket of the namespace, on every node.</summary>
    public Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync() => NewOperator().FetchSocketsAsync();

    /// <summary>The ids of every socket of the namespace, on every node.</summary>
    public Task<IReadOnlySet<string>> AllSocketsAsync() => Adapter.SocketsAsync(new HashSet<string>());

    /// <summary>Makes every socket join rooms.</summary>
    public Task SocketsJoinAsync(params string[] rooms) => NewOperator().SocketsJoinAsync(rooms);

    /// <summary>Makes every socket leave rooms.</summary>
    public Task SocketsLeaveAsync(params string[] rooms) => NewOperator().SocketsLeaveAsync(rooms);

    /// <summary>Disconnects every socket.</summary>
    public Task DisconnectSocketsAsync(bool close = false) => NewOperator().DisconnectSocketsAsync(close);

    /// <summary>Sends an event to the other nodes of the cluster (their <see cref="OnServerSideEmit(string, Action{SocketIOArguments, AckCallback})"/> handlers).</summary>
    public Task ServerSideEmitAsync(string eventName, params object?[] args)
    {
        ThrowIfReserved(eventName);
        return Adapter.ServerSideEmitAsync([eventName, .. args]);
    }

    /// <summary>Sends an event to the other nodes and gathers their acknowledgements.</summary>
    public Task<IReadOnlyList<SocketIOArguments>> ServerSideEmitWithAckAsync(TimeSpan timeout, string eventName, params object?[] args)
    {
        ThrowIfReserved(eventName);
        return Adapter.ServerSideEmitWithAckAsync([eventName, .. args], timeout);
    }

    /// <summary>Called by cluster adapters when another node emitted a server-side event.</summary>
    public void OnServerSideEvent(string eventName, SocketIOArguments args) => OnServerSideEvent(eventName, args, null);

    /// <summary>
    /// Called by cluster adapters when another node emitted a server-side event;
    /// <paramref name="ack"/> (when the sender awaits acknowledgements) is handed to the handlers.
    /// </summary>
    public void OnServerSideEvent(string eventName, SocketIOArguments args, AckCallback? ack)
    {
        if (!_serverSideHandlers.TryGetValue(eventName, out var handlers))
        {
            return;
        }

        foreach (var handler in handlers)
        {
            try
            {
                handler(args, ack ?? NoAck);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, Name, "server-side " + eventName, ex);
            }
        }
    }

    /// <summary>A new operator targeting the whole namespace.</summary>
    protected virtual BroadcastOperator NewOperator() => new(this, BroadcastOptions.All);

    /// <summary>Creates the adapter (the server's factory, in-memory by default).</summary>
    protected virtual Adapter CreateAdapter() => Server.Options.AdapterFactory?.Invoke(this) ?? new InMemoryAdapter(this);

    internal long NextAckId() => Interlocked.Increment(ref _ackIds) - 1;

    internal void CopyHandlersFrom(Namespace parent)
    {
        _middlewares = parent._middlewares;
        _connectionHandlers = parent._connectionHandlers;
    }

    /// <summary>
    /// Raised when a session kept for connection state recovery ends without being recovered: its
    /// window passed, it was pushed out by <see cref="ConnectionStateRecoveryOptions.MaxSessions"/>,
    /// or its client came back too late to get every missed packet. The socket with
    /// <see cref="PersistedSession.Sid"/> will not come back. Raised on the node that kept the session.
    /// </summary>
    public event Action<Namespace, PersistedSession>? SessionExpired;

    internal void OnSessionExpired(PersistedSession session)
    {
        try
        {
            SessionExpired?.Invoke(this, session);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, Name, "session expired", ex);
        }
    }

    /// <summary>Runs the middlewares for a new socket, then connects it (Node's <c>_add</c>).</summary>
    internal async Task AddAsync(Client client, JsonElement auth)
    {
        var restored = await RestoreSessionAsync(auth);
        var socket = new Socket(this, client, auth, restored);
        var middlewares = restored is not null && Server.Options.ConnectionStateRecovery is { SkipMiddlewares: true } ? [] : _middlewares;
        if (!middlewares.IsEmpty)
        {
            Exception? refusal = null;
            var reachedEnd = false;
            try
            {
                reachedEnd = await RunMiddlewaresAsync(middlewares, socket);
            }
            catch (Exception ex)
            {
                refusal = ex;
            }

            if (client.Conn.ReadyState != Engine.EngineReadyState.Open)
            {
                socket.Discard();
                return;
            }

            if (refusal is not null || !reachedEnd)
            {
                socket.Discard();
                var message = refusal?.Message ?? "Connection refused by a middleware";
                var data = (refusal as SocketIOConnectException)?.ErrorData;
                Log.ConnectionRefused(_logger, Name, message);
                client.Write(Server.Encoder.EncodeConnectError(Name, message, data), false);
                return;
            }
        }

        if (client.Conn.ReadyState != Engine.EngineReadyState.Open)
        {
            socket.Discard();
            return;
        }

        if (restored is null)
        {
            _sockets[socket.Id] = socket;
            Interlocked.Increment(ref _socketsVersion);
            client.OnSocketConnected(socket);
            socket.OnConnect();
        }
        else
        {
            if (!await ConnectRecoveredAsync(client, socket, restored))
            {
                return;
            }
        }

        Server.Metrics.SocketConnected();
        foreach (var handler in _connectionHandlers)
        {
            try
            {
                var task = handler(socket);
                if (!task.IsCompletedSuccessfully)
                {
                    _ = ObserveAsync(task);
                }
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, Name, "connection", ex);
            }
        }

        socket.MarkReady();
    }

    /// <summary>Raised when the last socket left (used to clean up empty child namespaces).</summary>
    internal event Action<Namespace>? Emptied;

    internal void Remove(Socket socket)
    {
        if (!_sockets.TryRemove(new KeyValuePair<string, Socket>(socket.Id, socket)))
        {
            return;
        }

        Interlocked.Increment(ref _socketsVersion);
        if (_sockets.IsEmpty)
        {
            Emptied?.Invoke(this);
        }
    }

    /// <summary>The session a CONNECT asks to recover (its <c>pid</c> and <c>offset</c>), if it can be.</summary>
    private async Task<Adapters.PersistedSession?> RestoreSessionAsync(JsonElement auth)
    {
        if (Server.Options.ConnectionStateRecovery is null
            || auth.ValueKind != JsonValueKind.Object
            || !auth.TryGetProperty("pid", out var pid)
            || pid.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        // socket.io-client leaves the offset out until it received a packet that carried one.
        var offset = auth.TryGetProperty("offset", out var value) && value.ValueKind == JsonValueKind.String ? Protocol.Json.JsonStringReader.GetString(value) : null;
        try
        {
            return await Adapter.RestoreSessionAsync(Protocol.Json.JsonStringReader.GetString(pid), offset);
        }
        catch (Exception ex)
        {
            Log.RestoreFailed(_logger, Name, ex);
            return null;
        }
    }

    /// <summary>
    /// Registers a recovered socket, then sends CONNECT and the packets its client missed. Live
    /// packets are held from registration until the replay ends, and the log is read after
    /// registration: every packet is then either in what was read or held, none is lost between.
    /// </summary>
    private async Task<bool> ConnectRecoveredAsync(Client client, Socket socket, Adapters.PersistedSession restored)
    {
        socket.BeginReplay();
        _sockets[socket.Id] = socket;
        Interlocked.Increment(ref _socketsVersion);
        client.OnSocketConnected(socket);
        IReadOnlyList<Adapters.OutgoingPacket>? missed = null;
        try
        {
            missed = await Adapter.FetchMissedPacketsAsync(restored);
        }
        catch (Exception ex)
        {
            Log.RestoreFailed(_logger, Name, ex);
        }

        if (client.Conn.ReadyState != Engine.EngineReadyState.Open)
        {
            // The connection dropped while the log was read: the session stays for the next try.
            Remove(socket);
            client.Remove(socket);
            socket.Discard();
            return false;
        }

        socket.OnConnect();
        socket.EndReplay(missed);
        return true;
    }

    private static async Task<bool> RunMiddlewaresAsync(ImmutableArray<Func<Socket, Func<Task>, Task>> middlewares, Socket socket)
    {
        var index = 0;
        var reachedEnd = false;
        Task Next()
        {
            if (index < middlewares.Length)
            {
                return middlewares[index++](socket, Next);
            }

            reachedEnd = true;
            return Task.CompletedTask;
        }

        await Next();
        return reachedEnd;
    }

    private async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, Name, "connection", ex);
        }
    }

    private static void ThrowIfReserved(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        if (Internal.ReservedEvents.ContainsServerSide(eventName))
        {
            throw new ArgumentException($"\"{eventName}\" is a reserved event name", nameof(eventName));
        }
    }
}
