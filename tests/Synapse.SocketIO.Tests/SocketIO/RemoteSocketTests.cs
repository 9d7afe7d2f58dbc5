using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>FetchSockets, SocketsJoin/SocketsLeave, DisconnectSockets and RemoteSocket, with socket.io-client clients.</summary>
public sealed class RemoteSocketTests
{
    private static Task<SioTestServer> StartAsync() => SioTestServer.StartAsync(io =>
    {
        io.Use(async (socket, next) =>
        {
            socket.Data["user"] = socket.Handshake.Auth.GetProperty("user").GetString();
            await next();
        });
        io.OnConnection(async socket =>
        {
            if (socket.Handshake.Auth.TryGetProperty("room", out var room))
            {
                await socket.Join(room.GetString()!);
            }
        });
        io.Of("/admin");
    });

    private static async Task<Dictionary<string, Socket>> ConnectAsync(SioTestServer server, SioDriver node, params (string Name, string? Room)[] clients)
    {
        var sockets = new Dictionary<string, Socket>();
        foreach (var (name, room) in clients)
        {
            object auth = room is null ? new { user = name } : new { user = name, room };
            sockets[name] = await server.SocketAsync(await node.ConnectAsync(name, auth: auth, answers: new Dictionary<string, object> { ["who"] = new { reply = new[] { name } } }));
        }

        return sockets;
    }

    [Fact]
    public async Task FetchSockets_returns_ids_rooms_data_and_handshake()
    {
        await using var server = await StartAsync();
        await using var node = server.StartDriver();
        var s = await ConnectAsync(server, node, ("alice", "red"), ("bob", "blue"), ("carol", "red"));

        var all = await server.Io.FetchSocketsAsync();
        Assert.Equal(s.Values.Select(x => x.Id).Order(), all.Select(x => x.Id).Order());
        var alice = all.Single(x => x.Id == s["alice"].Id);
        Assert.True(alice.Rooms.SetEquals([s["alice"].Id, "red"]));
        Assert.Equal("alice", alice.Data["user"]);
        Assert.Equal("red", alice.Handshake.Auth.GetProperty("room").GetString());
        Assert.Equal("/", alice.Namespace.Name);
        Assert.StartsWith("/socket.io/", alice.Handshake.Url);

        var red = await server.Io.In("red").FetchSocketsAsync();
        Assert.Equal(["alice", "carol"], red.Select(x => (string)x.Data["user"]!).Order());
        var notRed = await server.Io.Except("red").FetchSocketsAsync();
        Assert.Equal(["bob"], notRed.Select(x => (string)x.Data["user"]!));
        Assert.Single(await server.Io.In(s["bob"].Id).FetchSocketsAsync());
        Assert.Empty(await server.Io.In("nobody").FetchSocketsAsync());
        Assert.Equal(s.Values.Select(x => x.Id).Order(), (await server.Io.Sockets.AllSocketsAsync()).Order());
        Assert.Equal(s.Values.Select(x => x.Id).Order(), (await server.Io.AllSocketsAsync()).Order());

        // A fetched socket acts on the real one.
        alice.Emit("direct", "for alice");
        Assert.Equal("""["for alice"]""", (await node.ReceiveAsync("alice", "direct")).GetRawText());
        var answer = await alice.EmitWithAckAsync(TimeSpan.FromSeconds(5), "who").WithTimeout();
        Assert.Equal("alice", answer.GetValue<string>(0));
        await alice.JoinAsync("green");
        Assert.Contains("green", s["alice"].Rooms);
        await alice.LeaveAsync("red");
        Assert.DoesNotContain("red", s["alice"].Rooms);
        await alice.DisconnectAsync();
        Assert.Equal("io server disconnect", (await node.WaitForAsync("alice", "disconnect")).GetProperty("reason").GetString());
        Assert.Equal(DisconnectReason.ServerNamespaceDisconnect, await server.DisconnectReasonAsync(s["alice"].Id));
        await node.BarrierAsync();
        Assert.Empty(node.Received("bob", "direct"));
        Assert.Empty(node.Received("carol", "direct"));
    }

    [Fact]
    public async Task RemoteSocket_ack_errors_tell_that_nobody_answered()
    {
        await using var server = await StartAsync();
        await using var node = server.StartDriver();
        var s = await ConnectAsync(server, node, ("a", null), ("b", null));
        await node.AnswerAsync("b", "who", never: true);
        var fetched = (await server.Io.FetchSocketsAsync()).ToDictionary(x => (string)x.Data["user"]!);

        // No answer within the timeout.
        var silent = await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => fetched["b"].EmitWithAckAsync(TimeSpan.FromMilliseconds(200), "who"));
        Assert.Equal(1, silent.Expected);
        Assert.Equal(0, silent.Received);

        // The socket is gone by the time the fetched copy is used.
        await node.DisconnectAsync("a");
        await server.DisconnectReasonAsync(s["a"].Id);
        var gone = await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => fetched["a"].EmitWithAckAsync(TimeSpan.FromSeconds(5), "who"));
        Assert.Equal(1, gone.Expected);
        Assert.Equal(0, gone.Received);
        Assert.Empty(gone.Responses);
    }

    [Fact]
    public async Task SocketsJoin_and_SocketsLeave_move_the_targeted_sockets()
    {
        await using var server = await StartAsync();
        await using var node = server.StartDriver();
        var s = await ConnectAsync(server, node, ("a", "red"), ("b", "blue"), ("c", null));

        await server.Io.SocketsJoinAsync("everyone");
        Assert.All(s.Values, x => Assert.Contains("everyone", x.Rooms));

        await server.Io.In("red").SocketsJoinAsync("warm", "team");
        Assert.True(s["a"].Rooms.IsSupersetOf(["warm", "team"]));
        Assert.DoesNotContain("warm", s["b"].Rooms);
        Assert.DoesNotContain("warm", s["c"].Rooms);

        await server.Io.Except("red").SocketsLeaveAsync("everyone");
        Assert.Contains("everyone", s["a"].Rooms);
        Assert.DoesNotContain("everyone", s["b"].Rooms);
        Assert.DoesNotContain("everyone", s["c"].Rooms);

        await server.Io.In(s["c"].Id).SocketsJoinAsync("solo");
        server.Io.To("solo").Emit("solo-event");
        server.Io.To("team").Emit("team-event");
        Assert.Equal("[]", (await node.ReceiveAsync("c", "solo-event")).GetRawText());
        Assert.Equal("[]", (await node.ReceiveAsync("a", "team-event")).GetRawText());
        await node.BarrierAsync();
        Assert.Empty(node.Received("a", "solo-event"));
        Assert.Empty(node.Received("b", "team-event"));

        await server.Io.SocketsLeaveAsync("team");
        Assert.DoesNotContain("team", s["a"].Rooms);
    }

    [Fact]
    public async Task DisconnectSockets_disconnects_the_targeted_sockets_with_or_without_closing_the_connection()
    {
        await using var server = await StartAsync();
        await using var node = server.StartDriver();
        var s = await ConnectAsync(server, node, ("a", "red"), ("b", "red"), ("c", "blue"));
        var shared = await server.SocketAsync(await node.ConnectAsync("c-admin", "/admin", manager: "#c"));
        Assert.Same(s["c"].Conn, shared.Conn);

        await server.Io.In("red").DisconnectSocketsAsync();
        Assert.Equal("io server disconnect", (await node.WaitForAsync("a", "disconnect")).GetProperty("reason").GetString());
        Assert.Equal("io server disconnect", (await node.WaitForAsync("b", "disconnect")).GetProperty("reason").GetString());
        Assert.Equal(DisconnectReason.ServerNamespaceDisconnect, await server.DisconnectReasonAsync(s["a"].Id));
        Assert.Equal(DisconnectReason.ServerNamespaceDisconnect, await server.DisconnectReasonAsync(s["b"].Id));
        Assert.True(s["c"].Connected);

        // The client does not reconnect a socket the server disconnected.
        Assert.False((await node.StateAsync("a")).GetProperty("active").GetBoolean());

        // close: true also closes the connection, so c's other namespace goes too.
        await server.Io.In("blue").DisconnectSocketsAsync(close: true);
        var cReason = (await node.WaitForAsync("c", "disconnect")).GetProperty("reason").GetString();
        var adminReason = (await node.WaitForAsync("c-admin", "disconnect")).GetProperty("reason").GetString();
        Assert.Equal(DisconnectReason.ServerNamespaceDisconnect, await server.DisconnectReasonAsync(s["c"].Id));
        Assert.Equal(DisconnectReason.ServerNamespaceDisconnect, await server.DisconnectReasonAsync(shared.Id));

        // As with Node, the DISCONNECT packets are flushed before the connection closes.
        Assert.Equal("io server disconnect", cReason);
        Assert.Equal("io server disconnect", adminReason);
        await Wait.UntilAsync(() => server.Io.EngineConnectionsCount == 0, because: "every connection closed");
        Assert.Empty(server.Io.Sockets.Sockets);
    }
}
