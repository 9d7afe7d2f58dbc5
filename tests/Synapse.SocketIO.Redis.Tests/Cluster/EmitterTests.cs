using Synapse.SocketIO.Redis.Tests.Infrastructure;
using Synapse.SocketIO.Tests.Infrastructure;
using Synapse.SocketIO.Tests.SocketIO;

namespace Synapse.SocketIO.Redis.Tests.Cluster;

/// <summary>@socket.io/redis-emitter 5.1 (classic protocol only) reaches the clients of our nodes.</summary>
[Collection(RedisCollection.Name)]
public sealed class EmitterTests(RedisFixture redis)
{
    [Fact]
    public async Task Emitter_broadcasts_and_requests_reach_our_nodes()
    {
        await using var c = await TwoNodes.StartAsync(redis.Server, sharded: false);
        await using var emitter = await NodeEmitter.StartAsync(redis.Server, c.Key);
        await c.A.ConnectAsync(c.Driver, "achat", ["lobby"], "/chat");
        await ((RedisAdapterBase)c.A.Io.Of("/chat").Adapter).Ready;

        await emitter.RunAsync(new { cmd = "emit", @event = "all", args = new object[] { "from emitter", 1.5, new { n = 3 } } });
        await c.ReceivedBy("all", "a1", "a2", "b1", "b2");
        Assert.Equal("""["from emitter",1.5,{"n":3}]""", c.Driver.Received("b2", "all").Single().GetRawText());

        await emitter.RunAsync(new { cmd = "emit", to = new[] { "room1" }, @event = "one-room" });
        await c.ReceivedBy("one-room", "a1", "b1");
        await emitter.RunAsync(new { cmd = "emit", to = new[] { "room1", "room2" }, except = new[] { "room3" }, @event = "rooms-except" });
        await c.ReceivedBy("rooms-except", "a1", "a2", "b1");
        await emitter.RunAsync(new { cmd = "emit", @volatile = true, to = new[] { c.Ids["b1"] }, @event = "volatile" });
        await c.ReceivedBy("volatile", "b1");

        // Binary and dates (a msgpack timestamp) as a Node server would forward them.
        await emitter.RunAsync(new { cmd = "emit", to = new[] { "room3" }, @event = "binary", args = new object[] { new Dictionary<string, string> { ["$bin"] = "AQID" }, new Dictionary<string, object> { ["when"] = new Dictionary<string, string> { ["$date"] = "2024-01-02T03:04:05.678Z" } } } });
        var args = await c.Driver.ReceiveAsync("b2", "binary");
        Assert.Equal([1, 2, 3], SioDriver.Bytes(args[0]));
        Assert.Equal("2024-01-02T03:04:05.678Z", args[1].GetProperty("when").GetString());

        await emitter.RunAsync(new { cmd = "emit", nsp = "/chat", to = new[] { "lobby" }, @event = "chat" });
        await c.ReceivedBy("chat", "achat");

        // Requests without a uid: server-side event, join, leave, disconnect.
        await emitter.RunAsync(new { cmd = "serverSideEmit", @event = "sse", args = new object[] { "to servers" } });
        await Wait.UntilAsync(() => !c.A.ServerSideEvents.IsEmpty && !c.B.ServerSideEvents.IsEmpty);
        Assert.Equal(("sse", """["to servers"]"""), c.A.ServerSideEvents.Single());

        await emitter.RunAsync(new { cmd = "socketsJoin", to = new[] { "room2" }, rooms = new[] { "joined" } });
        var a2 = await c.A.SocketAsync(c.Ids["a2"]);
        var b2 = await c.B.SocketAsync(c.Ids["b2"]);
        await Wait.UntilAsync(() => a2.Rooms.Contains("joined") && b2.Rooms.Contains("joined"), because: "room2 joined 'joined'");
        await emitter.RunAsync(new { cmd = "socketsLeave", to = new[] { "joined" }, rooms = new[] { "joined" } });
        await Wait.UntilAsync(() => !a2.Rooms.Contains("joined") && !b2.Rooms.Contains("joined"), because: "they left 'joined'");
        await emitter.RunAsync(new { cmd = "disconnectSockets", to = new[] { "room1" }, close = true });
        await c.Driver.WaitForAsync("a1", "disconnect");
        await c.Driver.WaitForAsync("b1", "disconnect");
        c.Driver.AssertNoErrors();
    }
}
