using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// An adapter whose room changes complete asynchronously (as one that persists rooms would, and as
/// Node's <c>addAll</c>/<c>del</c> may): <c>Join</c> and <c>Leave</c> wait for it, and a socket still
/// gets its own room when nothing can wait at connect time.
/// </summary>
public sealed class AsyncAdapterTests
{
    private sealed class SlowAdapter(Namespace nsp) : InMemoryAdapter(nsp)
    {
        public override async ValueTask AddAllAsync(string id, IEnumerable<string> rooms)
        {
            var list = rooms.ToArray();
            await Task.Delay(50);
            await base.AddAllAsync(id, list);
        }

        public override async ValueTask DelAsync(string id, string room)
        {
            await Task.Delay(50);
            await base.DelAsync(id, room);
        }
    }

    [Fact]
    public async Task Join_and_leave_complete_when_the_adapter_has_changed_the_rooms()
    {
        await using var server = await SioTestServer.StartAsync(
            io => io.OnConnection(socket =>
            {
                socket.On("join", async (string room, AckCallback ack) =>
                {
                    await socket.Join(room);
                    ack((object)socket.Rooms.Order().ToArray());
                });
                socket.On("leave", async (string[] rooms, AckCallback ack) =>
                {
                    await socket.Leave(rooms);
                    ack((object)socket.Rooms.Order().ToArray());
                });
            }),
            o => o.AdapterFactory = nsp => new SlowAdapter(nsp));
        await using var node = server.StartDriver();
        var socket = await server.SocketAsync(await node.ConnectAsync("a"));

        // Its own room is joined in the background at connect: a message to its id arrives.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!socket.Rooms.Contains(socket.Id) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        server.Io.To(socket.Id).Emit("direct", 1);
        await node.ReceiveAsync("a", "direct");

        var joined = await node.EmitWithCallbackAsync("a", "join", ["r1"]);
        Assert.Contains("r1", joined[0].EnumerateArray().Select(e => e.GetString()));
        await node.EmitWithCallbackAsync("a", "join", ["r2"]);
        server.Io.To("r1").Emit("in-r1", 1);
        await node.ReceiveAsync("a", "in-r1");

        var left = await node.EmitWithCallbackAsync("a", "leave", [new[] { "r1", "r2" }]);
        Assert.Equal([socket.Id], left[0].EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Empty(await server.Io.In("r1").FetchSocketsAsync());

        // SocketsJoin and SocketsLeave go through the same path.
        await server.Io.SocketsJoinAsync("r3");
        Assert.Contains("r3", socket.Rooms);
        await server.Io.In("r3").SocketsLeaveAsync("r3");
        Assert.DoesNotContain("r3", socket.Rooms);
    }
}
