using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Synapse.SocketIO.Diagnostics;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO;

/// <summary>
/// A Socket.IO v4 server (Node's <c>Server</c>): namespaces over an Engine.IO server. Register
/// it with <c>services.AddSocketIO()</c> and map it with <c>app.MapSocketIO()</c>. The methods that
/// broadcast act on the main namespace <c>/</c>, as in Node.
/// </summary>
public sealed class SocketIOServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Namespace> _namespaces = new(StringComparer.Ordinal);
    private readonly object _sync = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _namespaceLogger;
    private readonly ILogger _clientLogger;
    private ImmutableArray<ParentNamespace> _parents = [];

    /// <summary>Creates a server.</summary>
    public SocketIOServer(IOptions<SocketIOOptions> options, ILoggerFactory? loggerFactory = null, SocketIOMetrics? metrics = null)
    {
        Options = options.Value;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _namespaceLogger = _loggerFactory.CreateLogger<Namespace>();
        _clientLogger = _loggerFactory.CreateLogger("Synapse.SocketIO.Client");
        SocketLogger = _loggerFactory.CreateLogger<Socket>();
        Metrics = metrics ?? new SocketIOMetrics();
        Encoder = new SocketIOPacketEncoder(Options.JsonSerializerOptions);
        Engine = new EngineServer(Microsoft.Extensions.Options.Options.Create(Options.Engine), _loggerFactory);
        Engine.Connection += conn => _ = new Client(this, conn);
        Engine.ConnectionError += (_, code, _) => Metrics.ConnectionRefused(code);
        Sockets = Of("/");
    }

    /// <summary>The CONNECT_ERROR message for a namespace beyond <see cref="SocketIOOptions.MaxNamespacesPerConnection"/>.</summary>
    public const string TooManyNamespacesMessage = "Too many namespaces";

    /// <summary>The options in force.</summary>
    public SocketIOOptions Options { get; }

    /// <summary>The underlying Engine.IO server (Node's <c>server.engine</c>).</summary>
    public EngineServer Engine { get; }

    /// <summary>The main namespace <c>/</c> (Node's <c>server.sockets</c>).</summary>
    public Namespace Sockets { get; }

    /// <summary>How many Engine.IO connections are open (Node's <c>engine.clientsCount</c>).</summary>
    public int EngineConnectionsCount => Engine.ClientsCount;

    /// <summary>The namespaces that exist now, by name.</summary>
    public IReadOnlyDictionary<string, Namespace> Namespaces => _namespaces;

    /// <summary>Raised when a namespace is created (Node's <c>new_namespace</c>).</summary>
    public event Action<Namespace>? NamespaceCreated;

    internal SocketIOPacketEncoder Encoder { get; }

    internal SocketIOMetrics Metrics { get; }

    internal ILogger SocketLogger { get; }

    /// <summary>The logger of every <see cref="Client"/>.</summary>
    internal ILogger ClientLogger => _clientLogger;

    /// <summary>The namespace with this name, created on first use.</summary>
    public Namespace Of(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.StartsWith('/'))
        {
            name = "/" + name;
        }

        if (_namespaces.TryGetValue(name, out var existing))
        {
            return existing;
        }

        Namespace? created = null;
        var nsp = _namespaces.GetOrAdd(name, n => created = new Namespace(this, n, _namespaceLogger));
        if (ReferenceEquals(nsp, created))
        {
            OnNamespaceCreated(nsp);
        }

        return nsp;
    }

    /// <summary>A dynamic namespace: every name matching <paramref name="pattern"/> gets a child namespace.</summary>
    public ParentNamespace Of(Regex pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return Of((name, _) => ValueTask.FromResult(pattern.IsMatch(name)));
    }

    /// <summary>A dynamic namespace: every name <paramref name="predicate"/> accepts (given the auth payload) gets a child namespace.</summary>
    public ParentNamespace Of(Func<string, JsonElement, ValueTask<bool>> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var parent = new ParentNamespace(this, predicate, _namespaceLogger);
        lock (_sync)
        {
            _parents = _parents.Add(parent);
        }

        return parent;
    }

    /// <summary>Adds a connection middleware to the main namespace.</summary>
    public SocketIOServer Use(Func<Socket, Func<Task>, Task> middleware)
    {
        Sockets.Use(middleware);
        return this;
    }

    /// <summary>Runs <paramref name="handler"/> for each socket connecting to the main namespace.</summary>
    public SocketIOServer OnConnection(Action<Socket> handler)
    {
        Sockets.OnConnection(handler);
        return this;
    }

    /// <summary>Runs an async <paramref name="handler"/> for each socket connecting to the main namespace.</summary>
    public SocketIOServer OnConnection(Func<Socket, Task> handler)
    {
        Sockets.OnConnection(handler);
        return this;
    }

    /// <summary>Emits to every socket of the main namespace.</summary>
    public bool Emit(string eventName, params object?[] args) => Sockets.Emit(eventName, args);

    /// <summary>Emits <c>message</c> to every socket of the main namespace.</summary>
    public SocketIOServer Send(params object?[] args)
    {
        Sockets.Send(args);
        return this;
    }

    /// <summary>Emits to every socket of the main namespace and gathers acknowledgements.</summary>
    public Task<IReadOnlyList<SocketIOArguments>> EmitWithAckAsync(string eventName, params object?[] args) => Sockets.EmitWithAckAsync(eventName, args);

    /// <summary>Targets rooms of the main namespace.</summary>
    public BroadcastOperator To(params string[] rooms) => Sockets.To(rooms);

    /// <summary>Targets rooms of the main namespace.</summary>
    public BroadcastOperator To(IEnumerable<string> rooms) => Sockets.To(rooms);

    /// <summary>Same as <see cref="To(string[])"/>.</summary>
    public BroadcastOperator In(params string[] rooms) => Sockets.In(rooms);

    /// <summary>Same as <see cref="To(IEnumerable{string})"/>.</summary>
    public BroadcastOperator In(IEnumerable<string> rooms) => Sockets.In(rooms);

    /// <summary>Excludes rooms of the main namespace.</summary>
    public BroadcastOperator Except(params string[] rooms) => Sockets.Except(rooms);

    /// <summary>Excludes rooms of the main namespace.</summary>
    public BroadcastOperator Except(IEnumerable<string> rooms) => Sockets.Except(rooms);

    /// <summary>Volatile broadcast on the main namespace.</summary>
    public BroadcastOperator Volatile => Sockets.Volatile;

    /// <summary>Broadcast to this node only.</summary>
    public BroadcastOperator Local => Sockets.Local;

    /// <summary>Broadcast with compression choice.</summary>
    public BroadcastOperator Compress(bool compress) => Sockets.Compress(compress);

    /// <summary>Broadcast whose acknowledgements are awaited at most <paramref name="timeout"/>.</summary>
    public BroadcastOperator Timeout(TimeSpan timeout) => Sockets.Timeout(timeout);

    /// <summary>Every socket of the main namespace, on every node.</summary>
    public Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync() => Sockets.FetchSocketsAsync();

    /// <summary>The ids of every socket of the main namespace, on every node (Node's <c>allSockets()</c>).</summary>
    public Task<IReadOnlySet<string>> AllSocketsAsync() => Sockets.AllSocketsAsync();

    /// <summary>Makes every socket of the main namespace join rooms.</summary>
    public Task SocketsJoinAsync(params string[] rooms) => Sockets.SocketsJoinAsync(rooms);

    /// <summary>Makes every socket of the main namespace leave rooms.</summary>
    public Task SocketsLeaveAsync(params string[] rooms) => Sockets.SocketsLeaveAsync(rooms);

    /// <summary>Disconnects every socket of the main namespace.</summary>
    public Task DisconnectSocketsAsync(bool close = false) => Sockets.DisconnectSocketsAsync(close);

    /// <summary>Sends an event to the other nodes of the cluster.</summary>
    public Task ServerSideEmitAsync(string eventName, params object?[] args) => Sockets.ServerSideEmitAsync(eventName, args);

    /// <summary>Sends an event to the other nodes and gathers their acknowledgements.</summary>
    public Task<IReadOnlyList<SocketIOArguments>> ServerSideEmitWithAckAsync(TimeSpan timeout, string eventName, params object?[] args) =>
        Sockets.ServerSideEmitWithAckAsync(timeout, eventName, args);

    /// <summary>Handles one HTTP request for the server's path.</summary>
    public Task HandleRequestAsync(HttpContext context) => Engine.HandleRequestAsync(context);

    /// <summary>
    /// Closes the server gracefully: every connection is closed after flushing what it has queued,
    /// and every socket disconnects with reason "server shutting down".
    /// </summary>
    public async Task CloseAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await Engine.CloseAsync(timeout ?? TimeSpan.FromSeconds(5), cancellationToken);
        foreach (var nsp in _namespaces.Values)
        {
            await nsp.Adapter.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        Metrics.Dispose();
    }

    internal EncodedSocketIOPacket Encode(Adapters.OutgoingPacket packet) => packet.Type switch
    {
        SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent =>
            Encoder.EncodeEvent(packet.Namespace, packet.Data[0] as string ?? Convert.ToString(packet.Data[0], System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, packet.Data.AsSpan(1), packet.Id),
        SocketIOPacketType.Ack or SocketIOPacketType.BinaryAck => Encoder.EncodeAck(packet.Namespace, packet.Id ?? 0, packet.Data),
        SocketIOPacketType.Disconnect => Encoder.EncodeDisconnect(packet.Namespace),
        _ => throw new NotSupportedException($"Packets of type {packet.Type} are not broadcast."),
    };

    /// <summary>The namespace a CONNECT asks for: an existing one, or a new child of a matching parent.</summary>
    internal async ValueTask<Namespace?> ResolveNamespaceAsync(string name, JsonElement auth)
    {
        if (_namespaces.TryGetValue(name, out var existing))
        {
            return existing;
        }

        foreach (var parent in _parents)
        {
            if (!await parent.Matcher(name, auth))
            {
                continue;
            }

            if (_namespaces.TryGetValue(name, out existing))
            {
                return existing;
            }

            Namespace? created = null;
            var child = _namespaces.GetOrAdd(name, n => created = parent.CreateChild(n, childName => new Namespace(this, childName, _namespaceLogger)));
            if (ReferenceEquals(child, created))
            {
                if (Options.CleanupEmptyChildNamespaces)
                {
                    child.Emptied += empty =>
                    {
                        if (_namespaces.TryRemove(new KeyValuePair<string, Namespace>(empty.Name, empty)))
                        {
                            parent.RemoveChild(empty.Name);
                            _ = empty.Adapter.DisposeAsync().AsTask();
                        }
                    };
                }

                OnNamespaceCreated(child);
            }

            return child;
        }

        return null;
    }

    private void OnNamespaceCreated(Namespace nsp)
    {
        _ = nsp.Adapter.InitAsync();
        NamespaceCreated?.Invoke(nsp);
    }
}
