using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Synapse.SocketIO.Hosting;
using Synapse.SocketIO.Tests.Infrastructure;
using Synapse.SocketIO.Tests.SocketIO;

namespace Synapse.SocketIO.Redis.Tests.Infrastructure;

/// <summary>
/// One of our nodes: a Kestrel host with a Socket.IO server using the Redis adapter. Clients
/// connect with auth <c>{name, rooms, data}</c>: the socket joins the rooms and gets
/// <c>Data["name"]</c>. Server-side events "sse" are recorded; "sse-ack" is answered with
/// <c>{from: node name, got: first argument}</c>.
/// </summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Socket> _sockets = new(StringComparer.Ordinal);

    private ClusterNode(string name) => Name = name;

    public string Name { get; }

    public TestHost Host { get; private set; } = null!;

    public SocketIOServer Io { get; private set; } = null!;

    public RedisAdapterFactory Factory => Host.Services.GetRequiredService<RedisAdapterFactory>();

    public RedisAdapterBase Adapter => (RedisAdapterBase)Io.Sockets.Adapter;

    public Uri BaseUri => Host.BaseUri;

    /// <summary>Server-side events received: (event, arguments as JSON).</summary>
    public ConcurrentQueue<(string Event, string Args)> ServerSideEvents { get; } = new();

    /// <summary>Whether "sse-ack" is answered (a node that stays silent makes the sender time out).</summary>
    public bool AnswerServerSideAcks { get; set; } = true;

    public static async Task<ClusterNode> StartAsync(string name, string connectionString, string key, bool sharded, Action<RedisAdapterOptions>? configure = null, bool waitForRedis = true, Action<SocketIOOptions>? configureSocketIO = null)
    {
        var node = new ClusterNode(name);
        node.Host = await TestHost.StartAsync(
            services => services
                .AddSocketIO(o =>
                {
                    o.PingInterval = TimeSpan.FromSeconds(2);
                    o.PingTimeout = TimeSpan.FromSeconds(5);
                    configureSocketIO?.Invoke(o);
                })
                .AddRedisAdapter(o =>
                {
                    o.ConnectionString = connectionString;
                    o.Key = key;
                    o.Sharded = sharded;
                    o.RequestsTimeout = TimeSpan.FromSeconds(3);
                    o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(300);
                    o.HealthCheckInterval = TimeSpan.FromSeconds(1);
                    configure?.Invoke(o);
                }),
            app => app.MapSocketIO(io =>
            {
                node.Io = io;
                io.Use(async (socket, next) =>
                {
                    var auth = socket.Handshake.Auth;
                    if (auth.ValueKind == JsonValueKind.Object && auth.TryGetProperty("name", out var clientName))
                    {
                        socket.Data["name"] = clientName.GetString();
                    }

                    await next();
                });
                async Task OnConnection(Socket socket)
                {
                    node._sockets[socket.Id] = socket;
                    if (socket.Handshake.Auth.ValueKind == JsonValueKind.Object && socket.Handshake.Auth.TryGetProperty("rooms", out var rooms))
                    {
                        await socket.Join(rooms.EnumerateArray().Select(r => r.ToString()).ToArray());
                    }
                }

                io.OnConnection(OnConnection);
                io.Of("/chat").OnConnection(OnConnection);
                io.Sockets.OnServerSideEmit("sse", args => node.ServerSideEvents.Enqueue(("sse", args.ToString())));
                io.Sockets.OnServerSideEmit("sse-ack", (args, ack) =>
                {
                    node.ServerSideEvents.Enqueue(("sse-ack", args.ToString()));
                    if (node.AnswerServerSideAcks)
                    {
                        ack(new { from = name, got = args.Count > 0 ? args.GetValue<object>(0)?.ToString() : null });
                    }
                });
            }));
        if (waitForRedis)
        {
            await node.Factory.WaitForConnectionAsync(TimeSpan.FromSeconds(10));
            await node.Adapter.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        }

        return node;
    }

    /// <summary>The server-side socket with this id (waits for its connection handlers to have run).</summary>
    public async Task<Socket> SocketAsync(string id)
    {
        await Wait.UntilAsync(() => _sockets.ContainsKey(id), because: $"socket {id} connected to {Name}");
        return _sockets[id];
    }

    /// <summary>Connects a client of <paramref name="driver"/> to this node; returns its socket id.</summary>
    public async Task<string> ConnectAsync(SioDriver driver, string client, string[] rooms, string nsp = "/", object? answers = null)
    {
        var id = await driver.ConnectToAsync(BaseUri, client, nsp, new { name = client, rooms }, answers);
        await Wait.UntilAsync(
            () => _sockets.TryGetValue(id, out var socket) && rooms.All(socket.Rooms.Contains),
            because: $"{client} connected to {Name} and joined its rooms");
        return id;
    }

    public bool HasSocket(string id) => _sockets.TryGetValue(id, out var socket) && socket.Connected;

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

internal static class ClusterTest
{
    /// <summary>Waits until every node counts <paramref name="expected"/> nodes.</summary>
    public static async Task WaitForServerCountAsync(int expected, params ClusterNode[] nodes)
    {
        foreach (var node in nodes)
        {
            var last = -1;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while ((last = await node.Adapter.ServerCountAsync()) != expected)
            {
                if (DateTime.UtcNow > deadline)
                {
                    Assert.Fail($"{node.Name} counts {last} nodes, not {expected}.");
                }

                await Task.Delay(20);
            }
        }
    }

    /// <summary>Lets room-channel subscriptions of the sharded dynamic modes settle.</summary>
    public static async Task SettleAsync(params ClusterNode[] nodes)
    {
        foreach (var node in nodes)
        {
            if (node.Adapter is ShardedRedisAdapter sharded)
            {
                await sharded.RoomSubscriptionsSettled.WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> connections subscribe to a room's shard channel.</summary>
    public static async Task WaitForShardSubscribersAsync(ClusterNode node, string room, int count)
    {
        var channel = System.Text.Encoding.UTF8.GetBytes(node.Factory.Options.Key + "#/#" + room + "#");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        long last;
        while ((last = await node.Factory.Publisher.SubscriberCountAsync(channel, sharded: true)) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{room}'s shard channel has {last} subscribers, not {count}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>A <c>connect</c> of the driver to any server URL; returns the socket id.</summary>
    public static async Task<string> ConnectToAsync(this SioDriver driver, Uri server, string client, string nsp, object? auth, object? answers = null)
    {
        var from = driver.Mark;
        var command = new Dictionary<string, object?>
        {
            ["cmd"] = "connect",
            ["client"] = client,
            ["url"] = server.ToString().TrimEnd('/'),
            ["nsp"] = nsp,
            ["auth"] = auth,
            ["opts"] = new { reconnection = false, transports = new[] { "websocket" } },
        };
        if (answers is not null)
        {
            command["answers"] = answers;
        }

        await driver.SendAsync(command);
        var result = await driver.WaitForAsync(client, m => m.GetProperty("event").GetString() is "connect" or "connect_error", from: from, what: $"{client} connect");
        Assert.True(result.GetProperty("event").GetString() == "connect", $"{client} could not connect: {result.GetRawText()}");
        return result.GetProperty("id").GetString()!;
    }

    /// <summary>The "ack-me" rule: the client answers "pong-NAME".</summary>
    public static object AckMe(string client) => new Dictionary<string, object> { ["ack-me"] = new { reply = new[] { "pong-" + client } } };
}
