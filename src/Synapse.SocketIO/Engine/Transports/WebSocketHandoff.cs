using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// A Kestrel connection middleware that lets an Engine.IO WebSocket leave Kestrel's HTTP/1.1
/// machinery once its upgrade request has been answered. The upgrade request runs through the
/// whole ASP.NET Core pipeline as usual (routing, authentication, CORS, <c>AllowRequest</c>, the
/// 101 response); the transport then runs on the connection's own pipes after that request has
/// ended, so the request's objects (the HTTP/1.1 connection, its <c>HttpContext</c>, headers and
/// upgrade stream, several kilobytes) do not live as long as the WebSocket, and frames go into
/// the socket's output pipe without the upgrade stream's extra copy.
/// </summary>
/// <remarks>
/// Kestrel's HTTP layer reads and writes through <see cref="Input"/> and <see cref="Output"/>,
/// which forward to the connection's pipes until a request claims the connection; from then on
/// they ignore the HTTP layer's completion and cancellation of the pipes, which belong to the
/// WebSocket. Heartbeat handlers the HTTP layer registers are likewise dropped once it is done,
/// since they are what would keep its connection objects reachable.
/// </remarks>
internal sealed class WebSocketHandoff : IDuplexPipe, IConnectionHeartbeatFeature
{
    private readonly ConnectionContext _connection;
    private readonly IDuplexPipe _transport;
    private readonly IConnectionHeartbeatFeature? _heartbeat;
    // TLS set up outside this middleware means the HTTP layer reads decrypted bytes this
    // middleware never sees: such a connection cannot be handed off.
    private readonly bool _tlsAtEntry;
    private readonly object _sync = new();
    private HeartbeatRelay? _heartbeatRelay;
    private bool _httpDone;
    private Func<Task>? _run;
    private volatile bool _claimed;

    private WebSocketHandoff(ConnectionContext connection)
    {
        _connection = connection;
        _transport = connection.Transport;
        _heartbeat = connection.Features.Get<IConnectionHeartbeatFeature>();
        _tlsAtEntry = connection.Features.Get<ITlsHandshakeFeature>() is not null;
        Input = new HandoffPipeReader(this, _transport.Input);
        Output = new HandoffPipeWriter(this, _transport.Output);
    }

    /// <summary>What the HTTP layer reads.</summary>
    public PipeReader Input { get; }

    /// <summary>What the HTTP layer writes.</summary>
    public PipeWriter Output { get; }

    /// <summary>The connection's own input, for the WebSocket.</summary>
    internal PipeReader TransportInput => _transport.Input;

    /// <summary>The connection's own output, for the WebSocket.</summary>
    internal PipeWriter TransportOutput => _transport.Output;

    /// <summary>The connection itself.</summary>
    internal ConnectionContext Connection => _connection;

    internal bool Claimed => _claimed;

    /// <summary>The middleware: runs the HTTP layer, then the WebSocket a request claimed the connection for.</summary>
    public static async Task InvokeAsync(ConnectionDelegate next, ConnectionContext connection)
    {
        if (connection.Features.Get<IConnectionHeartbeatFeature>() is null)
        {
            // Not Kestrel's own connection: nothing to relay, nothing to hand off.
            await next(connection);
            return;
        }

        var handoff = new WebSocketHandoff(connection);

        connection.Transport = handoff;
        // The request finds the handoff as the connection's heartbeat feature (see Find), which
        // it replaces anyway: a feature of its own would grow every connection's feature list.
        connection.Features.Set<IConnectionHeartbeatFeature>(handoff);

        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = handoff._transport;
            connection.Features.Set(handoff._heartbeat);

            handoff.EndHttp();
        }

        // Nothing of the handoff is needed any more: what the WebSocket runs on is in its closure.
        var run = handoff._run;
        handoff = null;
        if (run is not null)
        {
            var running = run();
            run = null;
            await running;
        }
    }

    /// <summary>The handoff of the connection a request came on, when its endpoint uses one.</summary>
    public static WebSocketHandoff? Find(Microsoft.AspNetCore.Http.HttpContext context) =>
        context.Features.Get<IConnectionHeartbeatFeature>() as WebSocketHandoff;

    /// <summary>Whether a request on this connection may hand it off (no TLS between this middleware and HTTP).</summary>
    public bool CanClaim => !_claimed && (_tlsAtEntry || _connection.Features.Get<ITlsHandshakeFeature>() is null);

    /// <summary>
    /// Claims the connection for <paramref name="run"/>, which starts once the current request has
    /// ended (its 101 response already sent); the caller then returns from the request at once.
    /// </summary>
    public bool TryClaim(Func<Task> run)
    {
        lock (_sync)
        {
            if (!CanClaim || _httpDone)
            {
                return false;
            }

            _run = run;
            _claimed = true;
            return true;
        }
    }

    void IConnectionHeartbeatFeature.OnHeartbeat(Action<object> action, object state)
    {
        lock (_sync)
        {
            if (_httpDone)
            {
                return;
            }

            if (_heartbeatRelay is null)
            {
                // Kestrel keeps what it is given for the connection's whole life: a small relay,
                // not this object (nor the HTTP layer's handlers, which the relay drops).
                _heartbeatRelay = new HeartbeatRelay();
                _heartbeat!.OnHeartbeat(static relay => ((HeartbeatRelay)relay).Tick(), _heartbeatRelay);
            }

            _heartbeatRelay.Add(action, state);
        }
    }

    private void EndHttp()
    {
        lock (_sync)
        {
            _httpDone = true;
            // Kestrel never unregisters them: they would keep the whole HTTP connection alive.
            _heartbeatRelay?.Clear();
        }
    }

    private sealed class HeartbeatRelay
    {
        private List<(Action<object> Action, object State)>? _handlers = [];

        public void Add(Action<object> action, object state)
        {
            lock (this)
            {
                _handlers?.Add((action, state));
            }
        }

        public void Clear()
        {
            lock (this)
            {
                _handlers = null;
            }
        }

        public void Tick()
        {
            // By index, without a copy: this runs every second for every connection.
            for (var i = 0; ; i++)
            {
                (Action<object> Action, object State) handler;
                lock (this)
                {
                    if (_handlers is null || i >= _handlers.Count)
                    {
                        return;
                    }

                    handler = _handlers[i];
                }

                handler.Action(handler.State);
            }
        }
    }
}
