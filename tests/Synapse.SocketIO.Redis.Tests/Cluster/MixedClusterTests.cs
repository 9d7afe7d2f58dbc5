using System.Text.Json;
using Synapse.SocketIO.Redis.Tests.Infrastructure;
using Synapse.SocketIO.Tests.Infrastructure;
using Synapse.SocketIO.Tests.SocketIO;

namespace Synapse.SocketIO.Redis.Tests.Cluster;

/// <summary>
/// A Node socket.io 4.8 server with @socket.io/redis-adapter 8.3.0 (N) and one of ours (S) on the
/// same Redis, with clients n1 (N: room1), n2 (N: room2), s1 (S: room1), s2 (S: room2), for the
/// classic adapter and for the sharded one (in each of Node's subscription modes).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class MixedClusterTests(RedisFixture redis)
{
    public static TheoryData<bool, string> Variants => new()
    {
        { false, "-" },
        { true, "dynamic" },
        { true, "static" },
        { true, "dynamic-private" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Broadcasts_and_acknowledgements_cross_between_Node_and_dotnet(bool sharded, string mode)
    {
        await using var c = await Mixed.StartAsync(redis.Server, sharded, mode);

        // Node → everyone, to a room, with except.
        await c.Node.ValueAsync(new { cmd = "emit", @event = "from-node", args = new object[] { "hello", 1, new { a = true } } });
        await c.ReceivedBy("from-node", "n1", "n2", "s1", "s2");
        Assert.Equal("""["hello",1,{"a":true}]""", c.Driver.Received("s1", "from-node").Single().GetRawText());
        await c.Node.ValueAsync(new { cmd = "emit", to = new[] { "room1" }, @event = "node-room1" });
        await c.ReceivedBy("node-room1", "n1", "s1");
        await c.Node.ValueAsync(new { cmd = "emit", to = new[] { "room1", "room2" }, except = new[] { c.Ids["s1"] }, @event = "node-except" });
        await c.ReceivedBy("node-except", "n1", "n2", "s2");

        // .NET → everyone, to a room, to a Node socket id, with binary.
        c.Ours.Io.Emit("from-dotnet", "hi", 2.5);
        await c.ReceivedBy("from-dotnet", "n1", "n2", "s1", "s2");
        Assert.Equal("""["hi",2.5]""", c.Driver.Received("n2", "from-dotnet").Single().GetRawText());
        c.Ours.Io.To("room2").Emit("dotnet-room2", new byte[] { 1, 2, 3 });
        await c.ReceivedBy("dotnet-room2", "n2", "s2");
        Assert.Equal([1, 2, 3], SioDriver.Bytes(c.Driver.Received("n2", "dotnet-room2").Single()[0]));
        c.Ours.Io.To(c.Ids["n1"]).Emit("to-node-socket");
        await c.ReceivedBy("to-node-socket", "n1");

        // Acknowledgements, both directions.
        var fromDotNet = await c.Ours.Io.Timeout(TimeSpan.FromSeconds(3)).EmitWithAckAsync("ack-me");
        Assert.Equal(["pong-n1", "pong-n2", "pong-s1", "pong-s2"], fromDotNet.Select(a => a.GetValue<string>(0)).Order());
        var fromNode = await c.Node.ValueAsync(new { cmd = "emitWithAck", timeout = 3000, @event = "ack-me" });
        Assert.Equal(["pong-n1", "pong-n2", "pong-s1", "pong-s2"], fromNode.EnumerateArray().Select(v => v.GetString()).Order());
        var toRoom = await c.Node.ValueAsync(new { cmd = "emitWithAck", to = new[] { "room2" }, timeout = 3000, @event = "ack-me" });
        Assert.Equal(["pong-n2", "pong-s2"], toRoom.EnumerateArray().Select(v => v.GetString()).Order());
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Fetch_sockets_remote_join_leave_and_disconnect_work_in_both_directions(bool sharded, string mode)
    {
        await using var c = await Mixed.StartAsync(redis.Server, sharded, mode);

        // .NET fetches Node's sockets.
        var all = await c.Ours.Io.FetchSocketsAsync();
        Assert.Equal(c.Ids.Values.Order(), all.Select(s => s.Id).Order());
        var n2 = all.Single(s => s.Id == c.Ids["n2"]);
        Assert.Equal("n2", n2.Data["name"]?.ToString());
        Assert.True(n2.Rooms.SetEquals([c.Ids["n2"], "room2"]));
        Assert.Equal("n2", n2.Handshake.Auth.GetProperty("name").GetString());
        Assert.NotNull(n2.Handshake.Address);
        Assert.Equal(["n1", "s1"], (await c.Ours.Io.In("room1").FetchSocketsAsync()).Select(s => s.Data["name"]?.ToString()).Order());

        // Node fetches ours.
        var fetched = await c.Node.ValueAsync(new { cmd = "fetchSockets", to = new[] { "room2" } });
        var s2 = fetched.EnumerateArray().Single(s => s.GetProperty("id").GetString() == c.Ids["s2"]);
        Assert.Equal("s2", s2.GetProperty("data").GetProperty("name").GetString());
        Assert.Equal(new[] { c.Ids["s2"], "room2" }.Order(), s2.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()).Order());
        Assert.Equal(2, fetched.GetArrayLength());

        // .NET makes Node's sockets join and leave.
        await c.Ours.Io.In("room1").SocketsJoinAsync("vip");
        await WaitForNodeRoomAsync(c, "vip", ["n1", "s1"]);
        await n2.JoinAsync("vip"); // a RemoteSocket of the Node server
        await WaitForNodeRoomAsync(c, "vip", ["n1", "n2", "s1"]);
        await c.Ours.Io.In("vip").Except("room2").SocketsLeaveAsync("vip");
        await WaitForNodeRoomAsync(c, "vip", ["n2"]);

        // Node makes ours join and leave.
        await c.Node.ValueAsync(new { cmd = "socketsJoin", to = new[] { "room2" }, rooms = new[] { "gold" } });
        var realS2 = await c.Ours.SocketAsync(c.Ids["s2"]);
        await Wait.UntilAsync(() => realS2.Rooms.Contains("gold"), because: "s2 joined gold at Node's request");
        await ClusterTest.SettleAsync(c.Ours);
        if (sharded && mode != "static")
        {
            // Node subscribes to the new room's channel after it published the join: wait for it.
            await ClusterTest.WaitForShardSubscribersAsync(c.Ours, "gold", 2);
        }

        c.Ours.Io.To("gold").Emit("gold");
        await c.ReceivedBy("gold", "n2", "s2");
        await c.Node.ValueAsync(new { cmd = "socketsLeave", to = new[] { "gold" }, rooms = new[] { "gold" } });
        await Wait.UntilAsync(() => !realS2.Rooms.Contains("gold"), because: "s2 left gold at Node's request");

        // Disconnections, both ways.
        await c.Node.ValueAsync(new { cmd = "disconnectSockets", to = new[] { c.Ids["s1"] }, close = false });
        Assert.Equal("io server disconnect", (await c.Driver.WaitForAsync("s1", "disconnect")).GetProperty("reason").GetString());
        await c.Ours.Io.In(c.Ids["n1"]).DisconnectSocketsAsync(close: true);
        Assert.Equal("io server disconnect", (await c.Driver.WaitForAsync("n1", "disconnect")).GetProperty("reason").GetString());
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Server_side_events_and_server_count_agree_between_Node_and_dotnet(bool sharded, string mode)
    {
        await using var c = await Mixed.StartAsync(redis.Server, sharded, mode, clients: false);
        Assert.Equal(2, await c.Ours.Adapter.ServerCountAsync());
        Assert.Equal(2, (await c.Node.ValueAsync(new { cmd = "serverCount" })).GetInt32());

        var mark = c.Node.Mark;
        await c.Ours.Io.ServerSideEmitAsync("sse", "from dotnet", 7);
        Assert.Equal("""["from dotnet",7]""", (await c.Node.ServerSideEventAsync("sse", mark)).GetProperty("args").GetRawText());

        var answers = await c.Ours.Io.ServerSideEmitWithAckAsync(TimeSpan.FromSeconds(3), "sse-ack", "q1");
        Assert.Equal("""{"from":"node","got":"q1"}""", Assert.Single(answers)[0].GetRawText());

        var fromNode = await c.Node.ValueAsync(new { cmd = "serverSideEmit", @event = "sse-ack", args = new[] { "q2" }, ack = true });
        Assert.Equal("""[{"from":"S","got":"q2"}]""", fromNode.GetRawText());
        await c.Node.ValueAsync(new { cmd = "serverSideEmit", @event = "sse", args = new object[] { "from node", new { x = 1 } } });
        await Wait.UntilAsync(() => c.Ours.ServerSideEvents.Any(e => e.Event == "sse"));
        Assert.Equal("""["from node",{"x":1}]""", c.Ours.ServerSideEvents.First(e => e.Event == "sse").Args);

        if (!sharded)
        {
            await using var driver = SioDriver.Start(c.Node.BaseUri);
            await driver.ConnectToAsync(c.Node.BaseUri, "n9", "/", new { name = "n9", rooms = new[] { "node-only-room" } });
            var rooms = await ((RedisAdapter)c.Ours.Adapter).AllRoomsAsync();
            Assert.Contains("node-only-room", rooms);
            var nodeRooms = await c.Node.ValueAsync(new { cmd = "allRooms" });
            Assert.Contains("node-only-room", nodeRooms.EnumerateArray().Select(r => r.GetString()));
        }
    }

    private static async Task WaitForNodeRoomAsync(Mixed c, string room, string[] expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        string[] names;
        do
        {
            var sockets = await c.Node.ValueAsync(new { cmd = "fetchSockets", to = new[] { room } });
            names = sockets.EnumerateArray().Select(s => s.GetProperty("data").GetProperty("name").GetString()!).Order().ToArray();
            if (names.SequenceEqual(expected))
            {
                return;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(expected, names);
    }
}

/// <summary>A Node server N and our node S on a fresh key, with clients n1, n2 on N and s1, s2 on S.</summary>
internal sealed class Mixed : IAsyncDisposable
{
    private Mixed(NodeServer node, ClusterNode ours, SioDriver driver)
    {
        Node = node;
        Ours = ours;
        Driver = driver;
    }

    public NodeServer Node { get; }

    public ClusterNode Ours { get; }

    public SioDriver Driver { get; }

    public Dictionary<string, string> Ids { get; } = new();

    public static async Task<Mixed> StartAsync(RedisServer redis, bool sharded, string mode, bool clients = true, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var key = TestKeys.Next(test.Length > 16 ? test[..16] : test);
        var node = await NodeServer.StartAsync(redis, key, sharded, sharded ? mode : "dynamic");
        ClusterNode? ours = null;
        try
        {
            ours = await ClusterNode.StartAsync("S", redis.ConnectionString, key, sharded, o => o.SubscriptionMode = mode switch
            {
                "static" => ShardedSubscriptionMode.Static,
                "dynamic-private" => ShardedSubscriptionMode.DynamicPrivate,
                _ => ShardedSubscriptionMode.Dynamic,
            });
            var mixed = new Mixed(node, ours, SioDriver.Start(ours.BaseUri, TimeSpan.FromSeconds(60)));
            await ClusterTest.WaitForServerCountAsync(2, ours);
            if (clients)
            {
                mixed.Ids["n1"] = await mixed.Driver.ConnectToAsync(node.BaseUri, "n1", "/", new { name = "n1", rooms = new[] { "room1" } }, ClusterTest.AckMe("n1"));
                mixed.Ids["n2"] = await mixed.Driver.ConnectToAsync(node.BaseUri, "n2", "/", new { name = "n2", rooms = new[] { "room2" } }, ClusterTest.AckMe("n2"));
                mixed.Ids["s1"] = await ours.ConnectAsync(mixed.Driver, "s1", ["room1"], answers: ClusterTest.AckMe("s1"));
                mixed.Ids["s2"] = await ours.ConnectAsync(mixed.Driver, "s2", ["room2"], answers: ClusterTest.AckMe("s2"));
                await ClusterTest.SettleAsync(ours);

                // Node subscribes to room channels (sharded dynamic modes) asynchronously too: wait
                // until a broadcast to each room reaches its Node client.
                if (sharded && mode != "static")
                {
                    foreach (var (client, room) in new[] { ("n1", "room1"), ("n2", "room2"), ("n1", mixed.Ids["n1"]) })
                    {
                        var sent = 0L;
                        await Wait.UntilAsync(
                            () =>
                            {
                                if (Environment.TickCount64 - sent > 100)
                                {
                                    sent = Environment.TickCount64;
                                    ours.Io.To(room).Emit("warm-up");
                                }

                                return mixed.Driver.Received(client, "warm-up").Count > 0;
                            },
                            TimeSpan.FromSeconds(5),
                            $"Node subscribed to {room}");
                    }

                    await mixed.Driver.BarrierAsync();
                }
            }

            return mixed;
        }
        catch
        {
            if (ours is not null)
            {
                await ours.DisposeAsync();
            }

            await node.DisposeAsync();
            throw;
        }
    }

    public Task ReceivedBy(string eventName, params string[] clients) => Driver.ReceivedOnlyByAsync(eventName, clients);

    public async ValueTask DisposeAsync()
    {
        await Driver.DisposeAsync();
        await Ours.DisposeAsync();
        await Node.DisposeAsync();
    }
}
