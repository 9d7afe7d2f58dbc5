using System.Collections.Concurrent;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// Rooms and every broadcast operator, observed by real socket.io-client clients. Four clients:
/// a in r1; b in r1 and r2; c in r2; d in no room. Each case emits a uniquely named event, then
/// a final "end" is awaited on every client, so the counts are complete (one connection keeps order).
/// </summary>
public sealed class BroadcastTests
{
    private static readonly string[] Clients = ["a", "b", "c", "d"];

    private sealed class Fixture : IAsyncDisposable
    {
        public required SioTestServer Server { get; init; }

        public required SioDriver Node { get; init; }

        public Dictionary<string, Socket> Sockets { get; } = new();

        public SocketIOServer Io => Server.Io;

        /// <summary>Clients that disconnected: not waited for.</summary>
        public HashSet<string> Gone { get; } = new();

        public static async Task<Fixture> StartAsync(string transport = "websocket")
        {
            var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
            {
                socket.On("join", async (string[] rooms, AckCallback ack) =>
                {
                    await socket.Join(rooms);
                    ack((object)socket.Rooms.Order().ToArray());
                });
                socket.On("leave", async (string room, AckCallback ack) =>
                {
                    await socket.Leave(room);
                    ack((object)socket.Rooms.Order().ToArray());
                });
            }));
            var fixture = new Fixture { Server = server, Node = server.StartDriver() };
            foreach (var client in Clients)
            {
                var connect = await fixture.Node.ConnectAsync(client, opts: new { transports = new[] { transport }, reconnection = false });
                fixture.Sockets[client] = await server.SocketAsync(connect);
            }

            await fixture.Sockets["a"].Join("r1");
            await fixture.Sockets["b"].Join("r1", "r2");
            await fixture.Sockets["c"].Join("r2");
            return fixture;
        }

        /// <summary>Waits for "end" on every client, then returns who received <paramref name="eventName"/> how many times.</summary>
        public async Task<Dictionary<string, int>> CountAsync(string eventName)
        {
            var from = 0;
            Io.Emit("end", eventName);
            foreach (var client in Clients.Except(Gone))
            {
                await Node.WaitForAsync(client, "recv", m => m.GetProperty("name").GetString() == "end" && m.GetProperty("args")[0].GetString() == eventName, from: from);
            }

            return Clients.ToDictionary(c => c, c => Node.Received(c, eventName).Count);
        }

        /// <summary>The clients that received <paramref name="eventName"/>, asserting each received it exactly once.</summary>
        public async Task<string[]> RecipientsAsync(string eventName)
        {
            var counts = await CountAsync(eventName);
            Assert.All(counts, c => Assert.True(c.Value <= 1, $"{c.Key} received {eventName} {c.Value} times"));
            return counts.Where(c => c.Value == 1).Select(c => c.Key).ToArray();
        }

        public async ValueTask DisposeAsync()
        {
            await Node.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Server_level_operators_target_rooms_unions_and_exclusions()
    {
        await using var f = await Fixture.StartAsync();
        var s = f.Sockets;

        f.Io.Emit("e-all", 1);
        Assert.Equal(["a", "b", "c", "d"], await f.RecipientsAsync("e-all"));

        f.Io.To("r1").Emit("e-to-r1");
        Assert.Equal(["a", "b"], await f.RecipientsAsync("e-to-r1"));

        f.Io.In("r2").Emit("e-in-r2");
        Assert.Equal(["b", "c"], await f.RecipientsAsync("e-in-r2"));

        // b is in both rooms and receives once.
        f.Io.To("r1").To("r2").Emit("e-chained");
        Assert.Equal(["a", "b", "c"], await f.RecipientsAsync("e-chained"));
        f.Io.To("r1", "r2").Emit("e-two-rooms");
        Assert.Equal(["a", "b", "c"], await f.RecipientsAsync("e-two-rooms"));

        f.Io.Except("r1").Emit("e-except-r1");
        Assert.Equal(["c", "d"], await f.RecipientsAsync("e-except-r1"));

        f.Io.To("r1").Except("r2").Emit("e-r1-not-r2");
        Assert.Equal(["a"], await f.RecipientsAsync("e-r1-not-r2"));

        // A socket id is a room: target or exclude single sockets.
        f.Io.Except(s["c"].Id).Emit("e-except-c");
        Assert.Equal(["a", "b", "d"], await f.RecipientsAsync("e-except-c"));
        f.Io.To(s["d"].Id).To("r2").Except(s["b"].Id).Emit("e-d-and-r2-not-b");
        Assert.Equal(["c", "d"], await f.RecipientsAsync("e-d-and-r2-not-b"));

        // Rooms may come as any collection.
        f.Io.In(new List<string> { "r1" }).Except(new List<string> { s["a"].Id }).Emit("e-collections");
        Assert.Equal(["b"], await f.RecipientsAsync("e-collections"));
        f.Io.Sockets.In(new List<string> { "r2" }).Except(new List<string> { "r1" }).Emit("e-namespace-collections");
        Assert.Equal(["c"], await f.RecipientsAsync("e-namespace-collections"));

        f.Io.To("nobody-here").Emit("e-empty-room");
        Assert.Empty(await f.RecipientsAsync("e-empty-room"));

        f.Io.Local.Emit("e-local", "x");
        Assert.Equal(["a", "b", "c", "d"], await f.RecipientsAsync("e-local"));
        f.Io.Volatile.Emit("e-volatile");
        Assert.Equal(["a", "b", "c", "d"], await f.RecipientsAsync("e-volatile"));
        f.Io.Compress(false).To("r2").Emit("e-compress");
        Assert.Equal(["b", "c"], await f.RecipientsAsync("e-compress"));
        f.Io.Sockets.To("r1").Emit("e-namespace-to");
        Assert.Equal(["a", "b"], await f.RecipientsAsync("e-namespace-to"));
        f.Io.Send("hi");
        Assert.Equal(["a", "b", "c", "d"], await f.RecipientsAsync("message"));

        Assert.Equal("""["x"]""", f.Node.Received("a", "e-local")[0].GetRawText());
        f.Node.AssertNoErrors();
    }

    [Fact]
    public async Task Socket_level_operators_always_exclude_the_sender()
    {
        await using var f = await Fixture.StartAsync();
        var s = f.Sockets;

        s["b"].To("r1").Emit("s-to-r1");
        Assert.Equal(["a"], await f.RecipientsAsync("s-to-r1"));

        s["a"].In("r1").Emit("s-in-r1");
        Assert.Equal(["b"], await f.RecipientsAsync("s-in-r1"));

        s["a"].Broadcast.Emit("s-broadcast");
        Assert.Equal(["b", "c", "d"], await f.RecipientsAsync("s-broadcast"));

        s["a"].Except("r2").Emit("s-except-r2");
        Assert.Equal(["d"], await f.RecipientsAsync("s-except-r2"));

        s["c"].To("r1").To("r2").Emit("s-chained");
        Assert.Equal(["a", "b"], await f.RecipientsAsync("s-chained"));

        s["d"].Broadcast.Volatile.Emit("s-volatile");
        Assert.Equal(["a", "b", "c"], await f.RecipientsAsync("s-volatile"));

        s["d"].Broadcast.Except(s["a"].Id).Emit("s-except-id");
        Assert.Equal(["b", "c"], await f.RecipientsAsync("s-except-id"));

        s["c"].In(new List<string> { "r1", "r2" }).Except(new List<string> { "r1" }).Emit("s-collections");
        Assert.Empty(await f.RecipientsAsync("s-collections"));
        s["d"].To(new List<string> { "r2" }).Emit("s-to-collection");
        Assert.Equal(["b", "c"], await f.RecipientsAsync("s-to-collection"));

        // The sender's own emit is unaffected.
        s["a"].Emit("s-self", 1);
        Assert.Equal(["a"], await f.RecipientsAsync("s-self"));

        // Join and Leave take one room or several.
        await s["b"].Leave("r1", "r2");
        Assert.Equal([s["b"].Id], s["b"].Rooms);
        await s["d"].Join(new List<string> { "r1", "r3" });
        Assert.True(s["d"].Rooms.SetEquals([s["d"].Id, "r1", "r3"]));
        f.Io.To("r1", "r2").Emit("s-after-leave");
        Assert.Equal(["a", "c", "d"], await f.RecipientsAsync("s-after-leave"));
    }

    [Fact]
    public async Task Operators_are_immutable_values()
    {
        await using var f = await Fixture.StartAsync();

        var r1 = f.Io.To("r1");
        var r1AndR2 = r1.To("r2");
        var r1Volatile = r1.Volatile;
        Assert.NotSame(r1, r1AndR2);
        Assert.Equal(["r1"], r1.Options.Rooms);
        Assert.Equal(["r1", "r2"], r1AndR2.Options.Rooms.Order());
        Assert.False(r1.Options.Flags.Volatile);
        Assert.True(r1Volatile.Options.Flags.Volatile);

        r1.Emit("kept");
        Assert.Equal(["a", "b"], await f.RecipientsAsync("kept"));
        r1.Emit("kept-again");
        Assert.Equal(["a", "b"], await f.RecipientsAsync("kept-again"));
    }

    [Fact]
    public async Task Rooms_follow_join_and_leave_from_client_requests_and_disconnects()
    {
        await using var f = await Fixture.StartAsync();
        var events = new ConcurrentQueue<string>();
        var adapter = f.Io.Sockets.Adapter;
        adapter.RoomCreated += room => events.Enqueue("create " + room);
        adapter.RoomDeleted += room => events.Enqueue("delete " + room);
        adapter.RoomJoined += (room, id) => events.Enqueue($"join {room} {(id == f.Sockets["d"].Id ? "d" : id)}");
        adapter.RoomLeft += (room, id) => events.Enqueue($"leave {room} {(id == f.Sockets["d"].Id ? "d" : id)}");

        var joined = await f.Node.EmitWithCallbackAsync("d", "join", [new[] { "r3", "r1" }]);
        Assert.Equal(new[] { "r1", "r3", f.Sockets["d"].Id }.Order(StringComparer.Ordinal), joined[0].EnumerateArray().Select(e => e.GetString()).Order(StringComparer.Ordinal));
        Assert.True(f.Sockets["d"].Rooms.SetEquals(["r1", "r3", f.Sockets["d"].Id]));

        f.Io.To("r1").Emit("after-join");
        Assert.Equal(["a", "b", "d"], await f.RecipientsAsync("after-join"));

        // Node's adapter.rooms.get(room) / adapter.sids.get(id).
        Assert.True(adapter.RoomMembers("r1")!.SetEquals([f.Sockets["a"].Id, f.Sockets["b"].Id, f.Sockets["d"].Id]));
        Assert.Null(adapter.RoomMembers("nobody-here"));
        Assert.True(adapter.GetRooms()["r3"].SetEquals([f.Sockets["d"].Id]));
        Assert.True(adapter.SocketRooms(f.Sockets["d"].Id)!.SetEquals(["r1", "r3", f.Sockets["d"].Id]));

        await f.Node.EmitWithCallbackAsync("d", "leave", ["r3"]);
        Assert.False(adapter.GetRooms().ContainsKey("r3"));
        Assert.Null(adapter.RoomMembers("r3"));
        f.Io.To("r3").Emit("after-leave");
        Assert.Empty(await f.RecipientsAsync("after-leave"));

        await f.Node.DisconnectAsync("a");
        await f.Server.DisconnectReasonAsync(f.Sockets["a"].Id);
        f.Gone.Add("a");
        f.Io.To("r1").Emit("after-disconnect");
        Assert.Equal(["b", "d"], await f.RecipientsAsync("after-disconnect"));

        Assert.Equal(
            ["create r3", "join r3 d", "join r1 d", "leave r3 d", "delete r3"],
            events.Where(e => e.Contains(" d") || e.EndsWith("r3", StringComparison.Ordinal)).ToArray());
        Assert.Contains($"leave r1 {f.Sockets["a"].Id}", events);
    }

    [Fact]
    public async Task Broadcasts_reach_polling_clients_too()
    {
        await using var f = await Fixture.StartAsync("polling");

        f.Io.To("r1").To("r2").Emit("p-chained", new byte[] { 1, 2 });
        Assert.Equal(["a", "b", "c"], await f.RecipientsAsync("p-chained"));
        Assert.Equal(new byte[] { 1, 2 }, SioDriver.Bytes(f.Node.Received("b", "p-chained")[0][0]));
        f.Sockets["a"].Broadcast.Emit("p-broadcast");
        Assert.Equal(["b", "c", "d"], await f.RecipientsAsync("p-broadcast"));
    }
}
