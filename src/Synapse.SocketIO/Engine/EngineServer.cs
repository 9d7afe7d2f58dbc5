using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Synapse.SocketIO.Engine.Transports;

namespace Synapse.SocketIO.Engine;

/// <summary>
/// An Engine.IO v4 server: answers the handshake, routes every request of a session to its
/// transport, and keeps the table of open sessions. Mount it with
/// <c>app.MapEngineIO(...)</c> or call <see cref="HandleRequestAsync"/> from your own endpoint.
/// </summary>
public sealed partial class EngineServer
{
    private readonly ConcurrentDictionary<string, EngineSocket> _clients = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    // Shared by every session (CreateLogger<T> allocates a wrapper per call).
    private readonly ILogger<EngineSocket> _socketLogger;
    private readonly ConnectionRateLimiter? _rateLimiter;
    private TaskCompletionSource? _drained;
    // Open sessions plus handshakes under way that hold a slot (MaxConnections).
    private int _sessionSlots;

    /// <summary>Creates a server with the given options.</summary>
    public EngineServer(IOptions<EngineIOOptions> options, ILoggerFactory? loggerFactory = null)
    {
        Options = options.Value;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<EngineServer>();
        _socketLogger = loggerFactory.CreateLogger<EngineSocket>();
        if (Options.MaxConnectionAttemptsPerIpPerSecond is { } rate)
        {
            _rateLimiter = new ConnectionRateLimiter(rate);
        }
    }

    /// <summary>The logger of every session.</summary>
    internal ILogger SocketLogger => _socketLogger;

    /// <summary>The options in force.</summary>
    public EngineIOOptions Options { get; }

    /// <summary>The heartbeat deadlines of every session (one timer for all).</summary>
    internal HeartbeatScheduler Heartbeats { get; } = new();

    /// <summary>How many sessions are open.</summary>
    public int ClientsCount => _clients.Count;

    /// <summary>The open sessions.</summary>
    public IEnumerable<EngineSocket> Clients => _clients.Values;

    /// <summary>Raised for each new session, after its open packet is queued and before any client packet is read.</summary>
    public event Action<EngineSocket>? Connection;

    /// <summary>Raised for each refused request, with the error code and message sent back.</summary>
    public event Action<HttpContext, EngineErrorCode, string>? ConnectionError;

    /// <summary>Finds an open session by id.</summary>
    public bool TryGetClient(string sid, out EngineSocket socket) => _clients.TryGetValue(sid, out socket!);

    /// <summary>Handles one HTTP request (long-polling GET/POST, WebSocket upgrade, CORS preflight).</summary>
    public async Task HandleRequestAsync(HttpContext context)
    {
        if (Options.Cors is { } cors && EngineCors.Apply(cors, context))
        {
            return;
        }

        var (transport, sid, protocol) = ReadQuery(context.Request.QueryString);
        var isWebSocket = WebSocketHandshake.IsWebSocketRequest(context);

        if (!IsEnabled(transport))
        {
            await RefuseAsync(context, EngineErrorCode.UnknownTransport);
            return;
        }

        if (HasInvalidHeaderChar(context.Request.Headers.Origin.ToString()))
        {
            await RefuseAsync(context, EngineErrorCode.BadRequest);
            return;
        }

        if (sid.Length > 0)
        {
            await HandleSessionRequestAsync(context, sid, transport, isWebSocket);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await RefuseAsync(context, EngineErrorCode.BadHandshakeMethod);
            return;
        }

        if (transport == "websocket" != isWebSocket)
        {
            await RefuseAsync(context, EngineErrorCode.BadRequest);
            return;
        }

        // The limits come before AllowRequest, which may be costly (authentication, a database).
        if (_rateLimiter is not null && !_rateLimiter.TryAcquire(context.Connection.RemoteIpAddress))
        {
            context.Response.Headers.RetryAfter = "1";
            await RefuseAsync(context, EngineErrorCode.TooManyRequests);
            return;
        }

        if (!TryReserveSessionSlot())
        {
            await RefuseAsync(context, EngineErrorCode.ServerFull);
            return;
        }

        var handedOver = false;
        try
        {
            if (Options.AllowRequest is { } allow && !await allow(context))
            {
                await RefuseAsync(context, EngineErrorCode.Forbidden);
                return;
            }

            if (protocol != "4")
            {
                await RefuseAsync(context, EngineErrorCode.UnsupportedProtocolVersion);
                return;
            }

            handedOver = true;
            await HandshakeAsync(context, isWebSocket);
        }
        finally
        {
            if (!handedOver)
            {
                ReleaseSessionSlot();
            }
        }
    }

    /// <summary>
    /// Closes every session, flushing what each has queued, with reason <c>server shutting down</c>;
    /// sessions still open after <paramref name="timeout"/> are closed at once.
    /// </summary>
    public async Task CloseAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        foreach (var socket in _clients.Values)
        {
            socket.BeginClose(EngineCloseReason.ServerShuttingDown);
            if (socket.CurrentTransport is PollingTransport { IsWritable: false })
            {
                // No GET is waiting and none may come to fetch the close packet: don't hold
                // shutdown for it. A waiting GET takes what is queued plus the close packet.
                socket.OnClose(EngineCloseReason.ServerShuttingDown);
            }
        }

        if (_clients.IsEmpty)
        {
            drained.TrySetResult();
        }

        try
        {
            await drained.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            foreach (var socket in _clients.Values)
            {
                socket.OnClose(EngineCloseReason.ServerShuttingDown);
            }
        }
    }

    internal void Remove(EngineSocket socket)
    {
        if (_clients.TryRemove(new KeyValuePair<string, EngineSocket>(socket.Id, socket)))
        {
            ReleaseSessionSlot();
        }

        if (_clients.IsEmpty)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    private bool TryReserveSessionSlot()
    {
        var slots = Interlocked.Increment(ref _sessionSlots);
        if (Options.MaxConnections is { } max && slots > max)
        {
            Interlocked.Decrement(ref _sessionSlots);
            return false;
        }

        return true;
    }

    private void ReleaseSessionSlot() => Interlocked.Decrement(ref _sessionSlots);

    internal static Task WriteErrorAsync(HttpContext context, EngineErrorCode code, string? message = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = code switch
        {
            EngineErrorCode.Forbidden => StatusCodes.Status403Forbidden,
            EngineErrorCode.ServerFull => StatusCodes.Status503ServiceUnavailable,
            EngineErrorCode.TooManyRequests => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status400BadRequest,
        };
        response.ContentType = "application/json";
        var body = JsonSerializer.SerializeToUtf8Bytes(new EngineErrorBody((int)code, message ?? Message(code)), EngineJsonContext.Default.EngineErrorBody);
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length);
    }

    internal static string Message(EngineErrorCode code) => code switch
    {
        EngineErrorCode.UnknownTransport => "Transport unknown",
        EngineErrorCode.UnknownSid => "Session ID unknown",
        EngineErrorCode.BadHandshakeMethod => "Bad handshake method",
        EngineErrorCode.Forbidden => "Forbidden",
        EngineErrorCode.UnsupportedProtocolVersion => "Unsupported protocol version",
        EngineErrorCode.ServerFull => "Server full",
        EngineErrorCode.TooManyRequests => "Too many connection attempts",
        _ => "Bad request",
    };

    private bool IsEnabled(string transport) => transport switch
    {
        "polling" => Options.Transports.HasFlag(EngineTransports.Polling),
        "websocket" => Options.Transports.HasFlag(EngineTransports.WebSocket),
        _ => false,
    };

    private Task RefuseAsync(HttpContext context, EngineErrorCode code)
    {
        var message = Message(code);
        Log.RequestRefused(_logger, code, message, context.Request.Method, context.Request.QueryString.Value);
        var handler = ConnectionError;
        if (handler is not null)
        {
            try
            {
                handler(context, code, message);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, "connection_error", ex);
            }
        }

        return WriteErrorAsync(context, code, message);
    }

    private async Task HandleSessionRequestAsync(HttpContext context, string sid, string transport, bool isWebSocket)
    {
        if (!_clients.TryGetValue(sid, out var socket))
        {
            await RefuseAsync(context, EngineErrorCode.UnknownSid);
            return;
        }

        if (isWebSocket)
        {
            await UpgradeAsync(context, socket, transport);
            return;
        }

        if (socket.Transport != transport || socket.Transport != "polling" || !socket.IsActive(TransportOf(socket)))
        {
            await RefuseAsync(context, EngineErrorCode.BadRequest);
            return;
        }

        var polling = (PollingTransport)TransportOf(socket);
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await polling.HandleGetAsync(context);
        }
        else if (HttpMethods.IsPost(context.Request.Method))
        {
            await polling.HandlePostAsync(context);
        }
        else
        {
            await RefuseAsync(context, EngineErrorCode.BadRequest);
        }
    }

    private async Task UpgradeAsync(HttpContext context, EngineSocket socket, string transport)
    {
        if (transport != "websocket" || !Options.AllowUpgrades || !WebSocketHandshake.IsValid(context, out var accept))
        {
            await RefuseAsync(context, EngineErrorCode.BadRequest);
            return;
        }

        var websocket = new WebSocketTransport(this);
        if (!socket.TryBeginUpgrade(websocket))
        {
            // Already upgraded, already upgrading, or closing: like Node, accept the second
            // WebSocket and close it at once, leaving the session as it is.
            Log.SecondWebSocketRefused(_logger, socket.Id);
            var refused = await WebSocketHandshake.AcceptAsync(context, accept, handoff: false);
            await WebSocketTransport.CloseAtOnceAsync(refused);
            return;
        }

        WebSocketConnection connection;
        try
        {
            connection = await WebSocketHandshake.AcceptAsync(context, accept, Options.PerMessageDeflate);
        }
        catch
        {
            socket.AbortUpgrade(websocket);
            throw;
        }

        await connection.RunAsync(() => ProbeAsync(connection, socket, websocket));
    }

    private static async Task ProbeAsync(WebSocketConnection connection, EngineSocket socket, WebSocketTransport websocket)
    {
        try
        {
            await websocket.RunAsync(connection, socket, probing: true);
        }
        finally
        {
            socket.AbortUpgrade(websocket);
        }
    }

    /// <summary>Opens a session; the caller reserved its slot, which this releases if no session opens.</summary>
    /// <remarks>
    /// One method, with no callback: unless the connection is handed off, a WebSocket session's
    /// whole life is awaited here, so every frame of this chain (and closure) would be kept for
    /// every open connection.
    /// </remarks>
    private async Task HandshakeAsync(HttpContext context, bool isWebSocket)
    {
        var opened = false;
        try
        {
            string? accept = null;
            if (isWebSocket && !WebSocketHandshake.IsValid(context, out accept))
            {
                await RefuseAsync(context, EngineErrorCode.BadRequest);
                return;
            }

            var id = Internal.IdGenerator.NewId();
            var handshake = new EngineHandshake(context, DateTimeOffset.UtcNow);
            if (Options.Cookie is { } cookie)
            {
                context.Response.Cookies.Append(cookie.Name, id, new CookieOptions
                {
                    Path = cookie.Path,
                    Domain = cookie.Domain,
                    HttpOnly = cookie.HttpOnly,
                    Secure = cookie.Secure,
                    SameSite = cookie.SameSite,
                    MaxAge = cookie.MaxAge,
                });
            }

            if (isWebSocket)
            {
                var connection = await WebSocketHandshake.AcceptAsync(context, accept!, Options.PerMessageDeflate);
                var websocket = new WebSocketTransport(this);
                var socket = Open(id, handshake, websocket, upgrades: []);
                opened = true;
                // Handed off, this returns at once and the request's objects go with it.
                await connection.RunAsync(() => websocket.RunAsync(connection, socket, probing: false));
                return;
            }

            var polling = new PollingTransport(this);
            var pollingSocket = Open(id, handshake, polling, upgrades: Options.AllowUpgrades && Options.Transports.HasFlag(EngineTransports.WebSocket) ? ["websocket"] : []);
            opened = true;
            polling.Attach(pollingSocket);
            await polling.HandleGetAsync(context);
        }
        finally
        {
            if (!opened)
            {
                ReleaseSessionSlot();
            }
        }
    }

    private EngineSocket Open(string id, EngineHandshake handshake, EngineTransport transport, string[] upgrades)
    {
        var socket = new EngineSocket(this, id, handshake, transport);
        var open = new EngineOpenPacket(id, upgrades, (long)Options.PingInterval.TotalMilliseconds, (long)Options.PingTimeout.TotalMilliseconds, Options.MaxHttpBufferSize);
        socket.Open(JsonSerializer.Serialize(open, EngineJsonContext.Default.EngineOpenPacket));
        _clients[id] = socket;
        Log.SessionOpened(_logger, id, transport.Name);
        var handler = Connection;
        if (handler is not null)
        {
            try
            {
                handler(socket);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, "connection", ex);
            }
        }

        return socket;
    }

    /// <summary>
    /// The Engine.IO parameters, parsed as Request.Query would but not through it: the request keeps
    /// what Request.Query parsed, and a WebSocket's request lasts as long as the connection.
    /// </summary>
    private static (string Transport, string Sid, string Protocol) ReadQuery(QueryString queryString)
    {
        var query = QueryHelpers.ParseNullableQuery(queryString.Value);
        return (Value("transport"), Value("sid"), Value("EIO"));

        string Value(string name) => query is not null && query.TryGetValue(name, out var value) ? value.ToString() : "";
    }

    private static EngineTransport TransportOf(EngineSocket socket) => socket.CurrentTransport;

    private static bool HasInvalidHeaderChar(string value)
    {
        foreach (var c in value)
        {
            if ((c < 0x20 && c != '\t') || c == 0x7F || c > 0xFF)
            {
                return true;
            }
        }

        return false;
    }
}
