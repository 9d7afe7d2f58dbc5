using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Hosting;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// A Kestrel host serving a Socket.IO server on <c>/socket.io/</c> that records every socket of
/// every namespace (by id) and how it disconnected, before the test's own handlers run.
/// </summary>
internal sealed class SioTestServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Socket> _sockets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _reasons = new(StringComparer.Ordinal);
    private readonly List<PollingClient> _polling = new();

    private SioTestServer()
    {
    }

    public TestHost Host { get; private set; } = null!;

    public SocketIOServer Io { get; private set; } = null!;

    public Uri BaseUri => Host.BaseUri;

    /// <summary>Every socket that connected so far, by id.</summary>
    public IReadOnlyDictionary<string, Socket> Sockets => _sockets;

    /// <summary>
    /// Starts a server. The options are the library's, except a 300 ms ping interval and a 1 s
    /// ping timeout (heartbeats happen during a test), unless <paramref name="configure"/> changes them.
    /// </summary>
    public static async Task<SioTestServer> StartAsync(Action<SocketIOServer>? setup = null, Action<SocketIOOptions>? configure = null)
    {
        var server = new SioTestServer();
        server.Host = await TestHost.StartAsync(
            services => services.AddSocketIO(o =>
            {
                o.PingInterval = TimeSpan.FromMilliseconds(300);
                o.PingTimeout = TimeSpan.FromMilliseconds(1000);
                configure?.Invoke(o);
            }),
            app => app.MapSocketIO(io =>
            {
                server.Io = io;
                server.Track(io.Sockets);
                io.NamespaceCreated += server.Track;
                setup?.Invoke(io);
            }));
        return server;
    }

    /// <summary>Starts a socket.io-client driver for this server.</summary>
    public SioDriver StartDriver() => SioDriver.Start(BaseUri);

    /// <summary>The server-side socket with this id (waits for its connection handlers to have run).</summary>
    public async Task<Socket> SocketAsync(string id)
    {
        await Wait.UntilAsync(() => _sockets.ContainsKey(id), because: $"socket {id} connected on the server");
        return _sockets[id];
    }

    /// <summary>The server-side socket of a driver <c>connect</c> message.</summary>
    public Task<Socket> SocketAsync(JsonElement connectMessage) => SocketAsync(connectMessage.GetProperty("id").GetString()!);

    /// <summary>The reason the socket with this id disconnected, within <paramref name="timeout"/>.</summary>
    public Task<string> DisconnectReasonAsync(string id, TimeSpan? timeout = null) =>
        Reason(id).Task.WithTimeout(timeout, $"disconnect of socket {id}");

    /// <summary>Whether the socket already disconnected.</summary>
    public bool HasDisconnected(string id) => Reason(id).Task.IsCompleted;

    /// <summary>A raw long-polling client on /socket.io/ (disposed with the server).</summary>
    public PollingClient CreatePollingClient()
    {
        var client = new PollingClient(BaseUri, "/socket.io/");
        lock (_polling)
        {
            _polling.Add(client);
        }

        return client;
    }

    /// <summary>The ws:// URL of a WebSocket-only connection.</summary>
    public Uri WebSocketUrl(string? sid = null) => Host.WebSocketUrl("/socket.io/?EIO=4&transport=websocket" + (sid is null ? "" : "&sid=" + sid));

    /// <summary>Errors (and worse) the server logged.</summary>
    public IReadOnlyList<TestLogEntry> Errors => Host.Logs.AtLeast(LogLevel.Error);

    private TaskCompletionSource<string> Reason(string id) =>
        _reasons.GetOrAdd(id, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    private void Track(Namespace nsp) => nsp.OnConnection(socket =>
    {
        socket.Disconnected += (s, reason) => Reason(s.Id).TrySetResult(reason);
        _sockets[socket.Id] = socket;
    });

    public async ValueTask DisposeAsync()
    {
        lock (_polling)
        {
            foreach (var client in _polling)
            {
                client.Dispose();
            }
        }

        await Host.DisposeAsync();
    }
}
