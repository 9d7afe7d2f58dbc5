using System.Text.Json;
using Synapse.SocketIO.Redis.Tests.Infrastructure;
using Synapse.SocketIO.Tests.Infrastructure;
using Synapse.SocketIO.Tests.SocketIO;

namespace Synapse.SocketIO.Redis.Tests.Cluster;

/// <summary>
/// Two of our nodes on one Redis, socket.io-client clients on each: a1 (A: room1), a2 (A: room2),
/// b1 (B: room1), b2 (B: room2, room3). Every test runs with the classic and the sharded adapter.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class TwoNodeTests(RedisFixture redis)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Broadcasts_reach_the_clients_of_both_nodes_with_rooms_and_except(bool sharded)
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded);

        c.A.Io.Emit("all", 1, "two");
        foreach (var client in TwoNodes.Clients)
        {
            Assert.Equal("""[1,"two"]""", (await c.Driver.ReceiveAsync(client, "all")).GetRawText());
        }

        c.B.Io.To("room1").Emit("room1", "only");
        await c.ReceivedBy("room1", "a1", "b1");

        c.A.Io.To("room1", "room2").Except("room3").Emit("rooms-except");
        await c.ReceivedBy("rooms-except", "a1", "a2", "b1");

        (await c.A.SocketAsync(c.Ids["a1"])).Broadcast.Emit("from-a1");
        await c.ReceivedBy("from-a1", "a2", "b1", "b2");

        c.B.Io.To(c.Ids["a2"]).Emit("to-socket-id", "direct");
        await c.ReceivedBy("to-socket-id", "a2");

        c.A.Io.Local.Emit("local");
        await c.ReceivedBy("local", "a1", "a2");

        c.B.Io.Volatile.Compress(false).Emit("volatile");
        await c.ReceivedBy("volatile", "a1", "a2", "b1", "b2");

        // Binary at any depth, dates, integers and floats arrive as a local client would get them.
        c.A.Io.To("room3").Emit("binary", new byte[] { 1, 2, 3 }, new { nested = new byte[] { 4 }, when = new DateTimeOffset(2024, 1, 2, 3, 4, 5, 678, TimeSpan.Zero), n = 2.0, f = 2.5 });
        var args = await c.Driver.ReceiveAsync("b2", "binary");
        Assert.Equal([1, 2, 3], SioDriver.Bytes(args[0]));
        Assert.Equal([4], SioDriver.Bytes(args[1].GetProperty("nested")));
        Assert.Equal(2, args[1].GetProperty("n").GetInt32());
        Assert.Equal(2.5, args[1].GetProperty("f").GetDouble());
        Assert.Equal("2024-01-02T03:04:05.678+00:00", args[1].GetProperty("when").GetString()); // System.Text.Json's form, as for local clients

        // Other namespaces are separate.
        await c.A.ConnectAsync(c.Driver, "achat", [], "/chat");
        await c.B.ConnectAsync(c.Driver, "bchat", [], "/chat");
        await Wait.UntilAsync(() => c.A.Io.Namespaces.ContainsKey("/chat") && c.B.Io.Namespaces.ContainsKey("/chat"));
        await ((RedisAdapterBase)c.B.Io.Of("/chat").Adapter).Ready;
        c.A.Io.Of("/chat").Emit("chat", "hi");
        await c.ReceivedBy("chat", "achat", "bchat");
        c.Driver.AssertNoErrors();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FetchSockets_returns_remote_sockets_that_act_on_the_real_ones(bool sharded)
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded);

        var all = await c.A.Io.FetchSocketsAsync();
        Assert.Equal(c.Ids.Values.Order(), all.Select(s => s.Id).Order());
        var b2 = all.Single(s => s.Id == c.Ids["b2"]);
        Assert.True(b2.Rooms.SetEquals([c.Ids["b2"], "room2", "room3"]));
        Assert.Equal("b2", b2.Data["name"]?.ToString());
        Assert.Equal("b2", b2.Handshake.Auth.GetProperty("name").GetString());
        Assert.StartsWith("/socket.io/", b2.Handshake.Url);
        Assert.Equal("websocket", b2.Handshake.Query["transport"].ToString());
        Assert.True(b2.Handshake.Headers.ContainsKey("host"));
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - b2.Handshake.Time).TotalMinutes) < 5);

        Assert.Equal(["a1", "b1"], (await c.A.Io.In("room1").FetchSocketsAsync()).Select(s => s.Data["name"]?.ToString()).Order());
        Assert.Equal(["a1", "a2", "b1"], (await c.B.Io.Except("room3").FetchSocketsAsync()).Select(s => s.Data["name"]?.ToString()).Order());
        Assert.Empty(await c.A.Io.In("nobody").FetchSocketsAsync());
        Assert.Equal(["a1", "a2"], (await c.A.Io.Local.FetchSocketsAsync()).Select(s => s.Data["name"]?.ToString()).Order());

        // A remote socket acts on the real one, on the other node.
        b2.Emit("direct", "for b2");
        Assert.Equal("""["for b2"]""", (await c.Driver.ReceiveAsync("b2", "direct")).GetRawText());
        var answer = await b2.EmitWithAckAsync(TimeSpan.FromSeconds(3), "ack-me");
        Assert.Equal("pong-b2", answer.GetValue<string>(0));
        await b2.JoinAsync("green");
        var realB2 = await c.B.SocketAsync(c.Ids["b2"]);
        await Wait.UntilAsync(() => realB2.Rooms.Contains("green"), because: "b2 joined green on B");
        await b2.LeaveAsync("room3");
        await Wait.UntilAsync(() => !realB2.Rooms.Contains("room3"), because: "b2 left room3 on B");
        await b2.DisconnectAsync();
        Assert.Equal("io server disconnect", (await c.Driver.WaitForAsync("b2", "disconnect")).GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SocketsJoin_SocketsLeave_and_DisconnectSockets_act_on_every_node(bool sharded)
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded);
        var b1 = await c.B.SocketAsync(c.Ids["b1"]);
        var a1 = await c.A.SocketAsync(c.Ids["a1"]);

        await c.A.Io.In("room1").SocketsJoinAsync("joined", "also");
        Assert.Contains("joined", a1.Rooms); // applied locally before it returns
        await Wait.UntilAsync(() => b1.Rooms.Contains("joined") && b1.Rooms.Contains("also"), because: "b1 joined on B");
        await ClusterTest.SettleAsync(c.A, c.B);
        c.A.Io.To("joined").Emit("joined-room");
        await c.ReceivedBy("joined-room", "a1", "b1");

        await c.B.Io.In("joined").Except("room1").SocketsLeaveAsync("also");
        await c.B.Io.In("joined").SocketsLeaveAsync("also");
        await Wait.UntilAsync(() => !a1.Rooms.Contains("also") && !b1.Rooms.Contains("also"), because: "both left 'also'");

        await c.A.Io.In("room2").Except("room3").DisconnectSocketsAsync(close: true);
        Assert.Equal("io server disconnect", (await c.Driver.WaitForAsync("a2", "disconnect")).GetProperty("reason").GetString());
        await c.B.Io.In("room3").DisconnectSocketsAsync();
        Assert.Equal("io server disconnect", (await c.Driver.WaitForAsync("b2", "disconnect")).GetProperty("reason").GetString());
        await c.Driver.BarrierAsync();
        Assert.True(c.A.HasSocket(c.Ids["a1"]) && c.B.HasSocket(c.Ids["b1"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerSideEmit_reaches_the_other_nodes_and_gathers_their_acknowledgements(bool sharded)
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded, clients: false);
        await using var third = await ClusterNode.StartAsync("C", redis.Server.ConnectionString, c.Key, sharded);
        await ClusterTest.WaitForServerCountAsync(3, c.A, c.B, third);

        await c.A.Io.ServerSideEmitAsync("sse", "hello", 1, new { a = new[] { true } });
        await Wait.UntilAsync(() => !c.B.ServerSideEvents.IsEmpty && !third.ServerSideEvents.IsEmpty);
        Assert.Equal(("sse", """["hello",1,{"a":[true]}]"""), c.B.ServerSideEvents.Single());
        Assert.Empty(c.A.ServerSideEvents); // never to itself

        var answers = await c.B.Io.ServerSideEmitWithAckAsync(TimeSpan.FromSeconds(3), "sse-ack", "question");
        Assert.Equal(
            ["""{"from":"A","got":"question"}""", """{"from":"C","got":"question"}"""],
            answers.Select(a => a[0].GetRawText()).Order());

        // A node that never answers: the sender times out with what it got.
        third.AnswerServerSideAcks = false;
        var timeout = await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => c.B.Io.ServerSideEmitWithAckAsync(TimeSpan.FromMilliseconds(500), "sse-ack", "again"));
        Assert.Equal("timeout reached: only 1 responses received out of 2", timeout.Message);
        Assert.Equal("""{"from":"A","got":"again"}""", Assert.Single(timeout.Responses)[0].GetRawText());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EmitWithAck_gathers_the_acknowledgements_of_clients_on_every_node(bool sharded)
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded);

        var all = await c.A.Io.Timeout(TimeSpan.FromSeconds(3)).EmitWithAckAsync("ack-me", "ping");
        Assert.Equal(["pong-a1", "pong-a2", "pong-b1", "pong-b2"], all.Select(a => a.GetValue<string>(0)).Order());

        var remoteOnly = await c.A.Io.To("room3").Timeout(TimeSpan.FromSeconds(3)).EmitWithAckAsync("ack-me");
        Assert.Equal("pong-b2", Assert.Single(remoteOnly).GetValue<string>(0));

        // No client anywhere: completes at once with nothing (every node reported 0).
        Assert.Empty(await c.B.Io.To("nobody").Timeout(TimeSpan.FromSeconds(3)).EmitWithAckAsync("ack-me"));

        // A remote client that never answers: the timeout tells how many did not.
        await c.Driver.AnswerAsync("b1", "ack-me", never: true);
        var error = await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => c.A.Io.To("room1").Timeout(TimeSpan.FromMilliseconds(700)).EmitWithAckAsync("ack-me"));
        Assert.Equal(2, error.Expected);
        Assert.Equal(1, error.Received);
        Assert.Equal("pong-a1", error.Responses.Single().GetValue<string>(0));

        // A client's emitWithAck answered by a handler that broadcasts with acks to the other node.
        await c.Driver.AnswerAsync("b2", "ack-me", ["binary", SioDriver.Bin(9, 8)]);
        var withBinary = await c.A.Io.To(c.Ids["b2"]).Timeout(TimeSpan.FromSeconds(3)).EmitWithAckAsync("ack-me");
        Assert.Equal("binary", Assert.Single(withBinary).GetValue<string>(0)); // only the first argument crosses, as in Node
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Server_count_follows_nodes_joining_and_leaving(bool sharded)
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded, clients: false);
        Assert.Equal(2, await c.A.Adapter.ServerCountAsync());
        var third = await ClusterNode.StartAsync("C", redis.Server.ConnectionString, c.Key, sharded);
        await ClusterTest.WaitForServerCountAsync(3, c.A, c.B, third);
        await third.DisposeAsync();
        await ClusterTest.WaitForServerCountAsync(2, c.A, c.B);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Malformed_messages_are_dropped_and_counted_without_harm(bool sharded)
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded);
        var prefix = c.Key + "#/#";
        var garbage = new (string Channel, byte[] Payload)[]
        {
            (prefix, [0xc1]),
            (prefix, [0xdd, 0x7f, 0xff, 0xff, 0xff]), // an array of 2^31 elements, 0 bytes follow
            (prefix, [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]), // a 4 GiB string
            (prefix, Protocol.MessagePack.MessagePackSerializer.Serialize(new object?[] { "x", 1 })), // not [uid, packet, opts]
            (prefix, "{not json"u8.ToArray()),
            (prefix, [.. Enumerable.Repeat((byte)0x91, 300), 0x01]), // nested too deep
            (c.Key + "-request#/#", "{\"type\":5}"u8.ToArray()), // REMOTE_FETCH without opts (crashes Node)
            (c.Key + "-request#/#", "{\"type\":7,\"requestId\":\"r\"}"u8.ToArray()), // BROADCAST without packet
            (c.Key + "-request#/#", "{\"type\":6,\"data\":[]}"u8.ToArray()),
            (c.Key + "-request#/#", "[]"u8.ToArray()),
            (c.Key + "-response#/#", [0x93, 0x01]),
            (prefix, Protocol.JavaScriptJson.Stringify(new { type = 3, data = new { packet = new { type = 2 } }, uid = "other", nsp = "/" })),
            (prefix, Protocol.JavaScriptJson.Stringify(new { type = 7, data = new { requestId = "r" }, uid = "other", nsp = "/" })),
        };
        foreach (var (channel, payload) in garbage)
        {
            await c.A.Factory.Publisher.PublishAsync(System.Text.Encoding.UTF8.GetBytes(channel), payload, sharded);
        }

        c.B.Io.Emit("still-works");
        await c.ReceivedBy("still-works", "a1", "a2", "b1", "b2");
        Assert.Equal(4, (await c.A.Io.FetchSocketsAsync()).Count);
        Assert.DoesNotContain(c.A.Host.Logs.Entries.Concat(c.B.Host.Logs.Entries), e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.Contains(c.B.Host.Logs.Entries, e => e.Message.StartsWith("Dropped a Redis message", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Classic_adapter_answers_AllRooms_and_the_legacy_sockets_request()
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded: false);
        var adapter = (RedisAdapter)c.A.Adapter;
        var rooms = await adapter.AllRoomsAsync();
        Assert.Superset(new HashSet<string> { "room1", "room2", "room3", c.Ids["b2"] }, rooms.ToHashSet());
        var ids = await adapter.ClusterSocketIdsAsync(new HashSet<string> { "room1" });
        Assert.Equal(new[] { c.Ids["a1"], c.Ids["b1"] }.Order(), ids.Order());
        Assert.Equal(2, (await adapter.ClusterSocketIdsAsync(new HashSet<string>())).Count(id => id == c.Ids["b1"] || id == c.Ids["b2"]));
        // AllSocketsAsync stays local, as in Node 8.
        Assert.Equal(new[] { c.Ids["a1"], c.Ids["a2"] }.Order(), (await c.A.Io.Sockets.AllSocketsAsync()).Order());
    }
}

/// <summary>Nodes A and B on a fresh key, and (unless told) clients a1, a2 on A and b1, b2 on B.</summary>
internal sealed class TwoNodes : IAsyncDisposable
{
    public static readonly string[] Clients = ["a1", "a2", "b1", "b2"];

    private TwoNodes(ClusterNode a, ClusterNode b, SioDriver driver, string key)
    {
        A = a;
        B = b;
        Driver = driver;
        Key = key;
    }

    public ClusterNode A { get; }

    public ClusterNode B { get; }

    public SioDriver Driver { get; }

    public string Key { get; }

    public Dictionary<string, string> Ids { get; } = new();

    public static async Task<TwoNodes> StartAsync(RedisServer redis, bool sharded, bool clients = true, Action<RedisAdapterOptions>? configure = null, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var key = TestKeys.Next(test.Length > 20 ? test[..20] : test);
        var a = await ClusterNode.StartAsync("A", redis.ConnectionString, key, sharded, configure);
        var b = await ClusterNode.StartAsync("B", redis.ConnectionString, key, sharded, configure);
        var nodes = new TwoNodes(a, b, SioDriver.Start(a.BaseUri, TimeSpan.FromSeconds(60)), key);
        await ClusterTest.WaitForServerCountAsync(2, a, b);
        if (clients)
        {
            nodes.Ids["a1"] = await a.ConnectAsync(nodes.Driver, "a1", ["room1"], answers: ClusterTest.AckMe("a1"));
            nodes.Ids["a2"] = await a.ConnectAsync(nodes.Driver, "a2", ["room2"], answers: ClusterTest.AckMe("a2"));
            nodes.Ids["b1"] = await b.ConnectAsync(nodes.Driver, "b1", ["room1"], answers: ClusterTest.AckMe("b1"));
            nodes.Ids["b2"] = await b.ConnectAsync(nodes.Driver, "b2", ["room2", "room3"], answers: ClusterTest.AckMe("b2"));
            await ClusterTest.SettleAsync(a, b);
        }

        return nodes;
    }

    /// <summary>Exactly these clients receive <paramref name="eventName"/> (the others are checked after a barrier).</summary>
    public Task ReceivedBy(string eventName, params string[] clients) => Driver.ReceivedOnlyByAsync(eventName, clients);

    public async ValueTask DisposeAsync()
    {
        await Driver.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
