using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Hosting;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>How a session ended, as the server's <see cref="EngineSocket.Closed"/> event told it.</summary>
internal sealed record SessionClose(string Reason, Exception? Exception, long Timestamp);

/// <summary>
/// Everything the server side of one session did, recorded from the moment it opened
/// (subscribed inside <see cref="EngineServer.Connection"/>, before any client packet is read).
/// </summary>
internal sealed class ServerSession
{
    private readonly Channel<EngineMessage> _messages = Channel.CreateUnbounded<EngineMessage>();
    private readonly TaskCompletionSource<SessionClose> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _upgraded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _heartbeats;
    private int _drained;
    private long _lastHeartbeat;

    public ServerSession(EngineSocket socket)
    {
        Socket = socket;
        OpenedTimestamp = Stopwatch.GetTimestamp();
        socket.Message += (_, message) => _messages.Writer.TryWrite(message);
        socket.Closed += (_, reason, exception) => _closed.TrySetResult(new SessionClose(reason, exception, Stopwatch.GetTimestamp()));
        socket.Upgraded += _ => _upgraded.TrySetResult();
        socket.Heartbeat += _ =>
        {
            Volatile.Write(ref _lastHeartbeat, Stopwatch.GetTimestamp());
            Interlocked.Increment(ref _heartbeats);
        };
        socket.Drained += _ => Interlocked.Increment(ref _drained);
    }

    public EngineSocket Socket { get; }

    public string Id => Socket.Id;

    /// <summary>When the Connection event ran (right after the ping timer was armed).</summary>
    public long OpenedTimestamp { get; }

    public Task<SessionClose> Closed => _closed.Task;

    public Task Upgraded => _upgraded.Task;

    public int Heartbeats => Volatile.Read(ref _heartbeats);

    /// <summary>When the last Heartbeat event ran (right after the next ping was scheduled); 0 if none yet.</summary>
    public long LastHeartbeatTimestamp => Volatile.Read(ref _lastHeartbeat);

    public int DrainedCount => Volatile.Read(ref _drained);

    /// <summary>The next message the client sent, within <paramref name="timeout"/>.</summary>
    public async Task<EngineMessage> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait.Default);
        try
        {
            return await _messages.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Session {Id} received no message within {(timeout ?? Wait.Default).TotalMilliseconds} ms.");
        }
    }

    /// <summary>The next message, which must be text; returns it.</summary>
    public async Task<string> ReceiveTextAsync(TimeSpan? timeout = null)
    {
        var message = await ReceiveAsync(timeout);
        Assert.False(message.IsBinary, "expected a text message");
        return message.Text;
    }

    /// <summary>Whether a message is already waiting.</summary>
    public bool TryReceive(out EngineMessage message) => _messages.Reader.TryRead(out message);

    /// <summary>The close reason, within <paramref name="timeout"/>.</summary>
    public async Task<string> ClosedReasonAsync(TimeSpan? timeout = null) =>
        (await Closed.WithTimeout(timeout, $"Closed event of session {Id}")).Reason;
}

/// <summary>
/// A Kestrel host serving a bare Engine.IO server on <c>/engine.io/</c> with recording of every
/// session: <c>await using var server = await EngineTestServer.StartAsync(o => ...);</c>.
/// </summary>
internal sealed class EngineTestServer : IAsyncDisposable
{
    private readonly Channel<ServerSession> _sessions = Channel.CreateUnbounded<ServerSession>();
    private readonly ConcurrentDictionary<string, ServerSession> _byId = new();
    private readonly List<PollingClient> _clients = new();
    private readonly ConcurrentDictionary<string, int> _inFlight = new();

    private EngineTestServer()
    {
    }

    public TestHost Host { get; private set; } = null!;

    public EngineServer Engine { get; private set; } = null!;

    public Uri BaseUri => Host.BaseUri;

    /// <summary>A polling client for this server (disposed with it).</summary>
    public PollingClient Polling { get; private set; } = null!;

    /// <summary>Every refusal reported by <see cref="EngineServer.ConnectionError"/>.</summary>
    public ConcurrentQueue<(EngineErrorCode Code, string Message)> ConnectionErrors { get; } = new();

    /// <summary>
    /// Starts a server. <paramref name="configure"/> edits the options (the defaults are the
    /// library's, so no ping arrives in a test unless it shortens <c>PingInterval</c>);
    /// <paramref name="onConnection"/> runs for each session after it is recorded.
    /// </summary>
    public static async Task<EngineTestServer> StartAsync(Action<EngineIOOptions>? configure = null, Action<EngineSocket>? onConnection = null)
    {
        var server = new EngineTestServer();
        server.Host = await TestHost.StartAsync(
            services => services.AddEngineIO(configure),
            app =>
            {
                // Counts the requests under way per method and sid, so a test can wait until a
                // long poll is parked on the server instead of sleeping and hoping.
                app.Use(async (context, next) =>
                {
                    var key = InFlightKey(context.Request.Method, context.Request.Query["sid"].ToString());
                    server._inFlight.AddOrUpdate(key, 1, (_, n) => n + 1);
                    try
                    {
                        await next(context);
                    }
                    finally
                    {
                        server._inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
                    }
                });
                app.MapEngineIO("/engine.io/", socket =>
                {
                    var session = new ServerSession(socket);
                    server._byId[socket.Id] = session;
                    server._sessions.Writer.TryWrite(session);
                    onConnection?.Invoke(socket);
                });
            });
        server.Engine = server.Host.Services.GetRequiredService<EngineServer>();
        server.Engine.ConnectionError += (_, code, message) => server.ConnectionErrors.Enqueue((code, message));
        server.Polling = server.CreatePollingClient();
        return server;
    }

    /// <summary>A new polling client (its own connection pool), disposed with the server.</summary>
    public PollingClient CreatePollingClient()
    {
        var client = new PollingClient(BaseUri, "/engine.io/");
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>The ws:// URL of the endpoint.</summary>
    public Uri WebSocketUrl(string? sid = null, string transport = "websocket", string eio = "4") =>
        Host.WebSocketUrl(PathAndQuery(sid, transport, eio));

    /// <summary>The endpoint's path and query, for <see cref="RawConnection"/>.</summary>
    public static string PathAndQuery(string? sid = null, string? transport = "websocket", string? eio = "4")
    {
        var query = new List<string>();
        if (eio is not null)
        {
            query.Add("EIO=" + eio);
        }

        if (transport is not null)
        {
            query.Add("transport=" + transport);
        }

        if (sid is not null)
        {
            query.Add("sid=" + sid);
        }

        return "/engine.io/?" + string.Join('&', query);
    }

    /// <summary>How many requests with this method and sid the server is handling right now.</summary>
    public int InFlight(string method, string sid) => _inFlight.TryGetValue(InFlightKey(method, sid), out var n) ? n : 0;

    /// <summary>
    /// Waits until <paramref name="count"/> requests with this method and sid are being handled
    /// (e.g. a GET parked as a long poll), then a little longer for the handler to settle.
    /// </summary>
    public async Task WaitForInFlightAsync(string method, string sid, int count = 1)
    {
        await Wait.UntilAsync(() => InFlight(method, sid) >= count, because: $"{count} {method} request(s) for {sid} under way");
        await Task.Delay(20);
    }

    private static string InFlightKey(string method, string sid) => method.ToUpperInvariant() + " " + sid;

    /// <summary>The next session that opened (in order of opening).</summary>
    public async Task<ServerSession> NextSessionAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait.Default);
        try
        {
            return await _sessions.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No session opened in time.");
        }
    }

    /// <summary>The recorded session with id <paramref name="sid"/> (it opened before its handshake was answered).</summary>
    public ServerSession Session(string sid) =>
        _byId.TryGetValue(sid, out var session) ? session : throw new InvalidOperationException($"No session {sid}.");

    /// <summary>Polling handshake; returns the sid and the server-side record of the session.</summary>
    public async Task<(string Sid, ServerSession Session)> OpenPollingAsync()
    {
        var (sid, _) = await Polling.HandshakeAsync();
        return (sid, Session(sid));
    }

    /// <summary>WebSocket-only handshake; returns the client (open packet already read), the sid and the session.</summary>
    public async Task<(WsClient Client, string Sid, ServerSession Session)> OpenWebSocketAsync()
    {
        var client = await WsClient.ConnectAsync(WebSocketUrl());
        var open = await client.ReceiveTextAsync();
        Assert.StartsWith("0{", open);
        using var json = System.Text.Json.JsonDocument.Parse(open.AsMemory(1));
        var sid = json.RootElement.GetProperty("sid").GetString()!;
        return (client, sid, Session(sid));
    }

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }

        await Host.DisposeAsync();
    }
}
