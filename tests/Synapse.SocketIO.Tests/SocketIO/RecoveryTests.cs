using System.Collections.Concurrent;
using System.Text.Json;
using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// Connection state recovery with the official socket.io-client (it sends pid and offset by
/// itself; a network drop is simulated by closing its Engine.IO connection) and, for the wire
/// format, with a raw client.
/// </summary>
public sealed class RecoveryTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(15);

    /// <summary>A server with recovery on; new (not recovered) sockets join "news" and get Data["user"].</summary>
    private static Task<SioTestServer> StartAsync(Action<ConnectionStateRecoveryOptions>? recovery = null, Action<SocketIOServer>? setup = null) =>
        SioTestServer.StartAsync(
            io =>
            {
                io.OnConnection(socket =>
                {
                    if (!socket.Recovered)
                    {
                        socket.Join("news");
                        socket.Data["user"] = "ada";
                    }
                });
                setup?.Invoke(io);
            },
            o =>
            {
                o.ConnectionStateRecovery = new ConnectionStateRecoveryOptions();
                recovery?.Invoke(o.ConnectionStateRecovery);
            });

    private static object Opts(string transport = "websocket") => new { transports = new[] { transport }, reconnection = false };

    private static string[] Names(SioDriver node, string client, string eventName, int from) =>
        node.Messages.Skip(from)
            .Where(m => SioDriver.Is(m, client, "recv") && m.GetProperty("name").GetString() == eventName)
            .Select(m => m.GetProperty("args")[0].GetString()!)
            .ToArray();

    /// <summary>Drops the client's connection and waits until the server saw it.</summary>
    private static async Task DropAsync(SioTestServer server, SioDriver node, string client, string socketId)
    {
        var from = node.Mark;
        await node.CloseEngineAsync(client);
        await node.WaitForAsync(client, "disconnect", from: from, timeout: Long);
        Assert.Equal(DisconnectReason.TransportClose, await server.DisconnectReasonAsync(socketId, Long));
    }

    private static async Task<JsonElement> ReconnectAsync(SioDriver node, string client)
    {
        var from = node.Mark;
        await node.SendAsync(new { cmd = "connectAgain", client });
        var result = await node.WaitForAsync(client, m => m.GetProperty("event").GetString() is "connect" or "connect_error", timeout: Long, from: from, what: "reconnect");
        Assert.Equal("connect", result.GetProperty("event").GetString());
        return result;
    }

    [Theory]
    [InlineData("websocket")]
    [InlineData("polling")]
    public async Task A_client_that_drops_gets_back_its_id_rooms_data_and_every_missed_packet_in_order(string transport)
    {
        await using var server = await StartAsync();
        await using var node = server.StartDriver();
        var first = await node.ConnectAsync("a", opts: Opts(transport));
        Assert.False(first.GetProperty("recovered").GetBoolean());
        var id = first.GetProperty("id").GetString()!;
        var socket = await server.SocketAsync(id);
        socket.Emit("m", "welcome");
        await node.ReceiveAsync("a", "m", Long);
        Assert.False(string.IsNullOrEmpty((await node.StateAsync("a")).GetProperty("offset").GetString()), "the event carried an offset");

        await DropAsync(server, node, "a", id);
        server.Io.To("news").Emit("m", "to news");
        server.Io.Emit("m", "to all");
        server.Io.To("elsewhere").Emit("m", "not for a");
        server.Io.Volatile.Emit("m", "volatile");
        server.Io.Except("news").Emit("m", "except news");
        server.Io.To("news").Emit("m", "second to news", new Dictionary<string, int> { ["n"] = 2 });
        var from = node.Mark;

        var again = await ReconnectAsync(node, "a");
        Assert.True(again.GetProperty("recovered").GetBoolean());
        Assert.Equal(id, again.GetProperty("id").GetString());
        await node.WaitForAsync("a", "recv", m => m.GetProperty("args")[0].GetString() == "second to news", Long, from);
        await node.BarrierAsync();
        Assert.Equal(["to news", "to all", "second to news"], Names(node, "a", "m", from));

        var recovered = server.Io.Sockets.Sockets[id];
        Assert.NotSame(socket, recovered);
        Assert.True(recovered.Recovered);
        Assert.True(recovered.Rooms.SetEquals([id, "news"]));
        Assert.Equal("ada", recovered.Data["user"]);

        // Live packets flow as before, with offsets.
        server.Io.To("news").Emit("m", "live");
        await node.WaitForAsync("a", "recv", m => m.GetProperty("args")[0].GetString() == "live", Long, from);
        node.AssertNoErrors();
    }

    [Fact]
    public async Task Data_first_set_long_after_connecting_or_never_is_restored_on_recovery()
    {
        // No connection handler touches Data here: the dictionary comes into being on first use.
        await using var server = await SioTestServer.StartAsync(configure: o => o.ConnectionStateRecovery = new ConnectionStateRecoveryOptions());
        await using var node = server.StartDriver();
        var a = (await node.ConnectAsync("a", opts: Opts())).GetProperty("id").GetString()!;
        var b = (await node.ConnectAsync("b", opts: Opts())).GetProperty("id").GetString()!;
        (await server.SocketAsync(a)).Data["late"] = 42;

        await DropAsync(server, node, "a", a);
        await DropAsync(server, node, "b", b);
        Assert.True((await ReconnectAsync(node, "a")).GetProperty("recovered").GetBoolean());
        Assert.True((await ReconnectAsync(node, "b")).GetProperty("recovered").GetBoolean());

        Assert.Equal(42, server.Io.Sockets.Sockets[a].Data["late"]);
        var untouched = server.Io.Sockets.Sockets[b];
        Assert.Empty(untouched.Data);
        untouched.Data["now"] = "set";
        Assert.Equal("set", untouched.Data["now"]);

        // Replaced wholesale, then cleared with null: never null to the application.
        untouched.Data = new Dictionary<string, object?> { ["x"] = 1 };
        Assert.Equal(1, untouched.Data["x"]);
        untouched.Data = null!;
        Assert.Empty(untouched.Data);
    }

    [Fact]
    public async Task The_clients_own_automatic_reconnection_recovers()
    {
        await using var server = await StartAsync();
        await using var node = server.StartDriver();
        var id = (await node.ConnectAsync("a", opts: new { transports = new[] { "websocket" }, reconnection = true, reconnectionDelay = 2000, reconnectionDelayMax = 2000 })).GetProperty("id").GetString()!;
        var from = node.Mark;
        await node.CloseEngineAsync("a");
        Assert.Equal(DisconnectReason.TransportClose, await server.DisconnectReasonAsync(id, Long));
        server.Io.To("news").Emit("m", "while reconnecting");

        var again = await node.WaitForAsync("a", "connect", timeout: Long, from: from);
        Assert.True(again.GetProperty("recovered").GetBoolean(), again.GetRawText());
        Assert.Equal(id, again.GetProperty("id").GetString());
        await node.WaitForAsync("a", "recv", m => m.GetProperty("args")[0].GetString() == "while reconnecting", Long, from);
    }

    [Fact]
    public async Task Recovery_works_again_and_again_for_one_client()
    {
        await using var server = await StartAsync();
        await using var node = server.StartDriver();
        var id = (await node.ConnectAsync("a", opts: Opts())).GetProperty("id").GetString()!;
        for (var round = 0; round < 3; round++)
        {
            await DropAsync(server, node, "a", id);
            server.Io.To("news").Emit("m", $"missed {round}");
            var from = node.Mark;
            var again = await ReconnectAsync(node, "a");
            Assert.True(again.GetProperty("recovered").GetBoolean(), $"round {round}");
            Assert.Equal(id, again.GetProperty("id").GetString());
            await node.WaitForAsync("a", "recv", m => m.GetProperty("args")[0].GetString() == $"missed {round}", Long, from);
            await node.BarrierAsync();
            Assert.Equal([$"missed {round}"], Names(node, "a", "m", from));
            server.Io.Sockets.Sockets[id].Emit("m", $"live {round}");
            await node.WaitForAsync("a", "recv", m => m.GetProperty("args")[0].GetString() == $"live {round}", Long, from);
        }
    }

    [Fact]
    public async Task A_client_that_received_no_event_before_dropping_recovers_too()
    {
        await using var server = await StartAsync();
        await using var node = server.StartDriver();
        var id = (await node.ConnectAsync("a", opts: Opts())).GetProperty("id").GetString()!;
        // Packets sent before the client connected are not "missed".
        Assert.Null((await node.StateAsync("a")).GetProperty("offset").GetString());

        await DropAsync(server, node, "a", id);
        server.Io.To("news").Emit("m", "missed");
        var from = node.Mark;
        var again = await ReconnectAsync(node, "a");
        Assert.True(again.GetProperty("recovered").GetBoolean());
        Assert.Equal(id, again.GetProperty("id").GetString());
        await node.WaitForAsync("a", "recv", m => m.GetProperty("args")[0].GetString() == "missed", Long, from);

        // Now it has an offset: drop and recover once more, with nothing missed.
        await DropAsync(server, node, "a", id);
        var again2 = await ReconnectAsync(node, "a");
        Assert.True(again2.GetProperty("recovered").GetBoolean());
        await node.BarrierAsync();
        Assert.Equal(["missed"], Names(node, "a", "m", from));
    }

    [Fact]
    public async Task Packets_sent_to_the_room_of_a_disconnected_socket_are_recovered()
    {
        await using var server = await StartAsync();
        await using var node = server.StartDriver();
        var id = (await node.ConnectAsync("a", opts: Opts())).GetProperty("id").GetString()!;
        await server.SocketAsync(id);
        await DropAsync(server, node, "a", id);
        var from = node.Mark;

        // The socket object is gone; a remote emit to its room still reaches the recovered client.
        server.Io.To(id).Emit("m", "to its room");
        var again = await ReconnectAsync(node, "a");
        Assert.True(again.GetProperty("recovered").GetBoolean());
        await node.WaitForAsync("a", "recv", m => m.GetProperty("args")[0].GetString() == "to its room", Long, from);
    }

    [Fact]
    public async Task An_explicit_disconnect_is_not_recovered()
    {
        var expired = new ConcurrentQueue<PersistedSession>();
        await using var server = await StartAsync(setup: io => io.Sockets.SessionExpired += (_, s) => expired.Enqueue(s));
        await using var node = server.StartDriver();
        var id = (await node.ConnectAsync("a", opts: Opts())).GetProperty("id").GetString()!;
        await server.SocketAsync(id);

        var before = node.Mark;
        await node.DisconnectAsync("a");
        await node.WaitForAsync("a", "disconnect", from: before, timeout: Long);
        Assert.Equal(DisconnectReason.ClientNamespaceDisconnect, await server.DisconnectReasonAsync(id, Long));
        var again = await ReconnectAsync(node, "a");
        Assert.False(again.GetProperty("recovered").GetBoolean());
        Assert.NotEqual(id, again.GetProperty("id").GetString());

        var second = again.GetProperty("id").GetString()!;
        var from = node.Mark;
        (await server.SocketAsync(second)).Disconnect();
        Assert.Equal(DisconnectReason.ServerNamespaceDisconnect, await server.DisconnectReasonAsync(second, Long));
        Assert.Equal("io server disconnect", (await node.WaitForAsync("a", "disconnect", from: from, timeout: Long)).GetProperty("reason").GetString());
        var third = await ReconnectAsync(node, "a");
        Assert.False(third.GetProperty("recovered").GetBoolean());
        Assert.Empty(expired);
    }

    [Fact]
    public async Task A_session_expires_after_the_window_and_the_application_is_told()
    {
        var expired = new ConcurrentQueue<PersistedSession>();
        await using var server = await StartAsync(
            r => r.MaxDisconnectionDuration = TimeSpan.FromMilliseconds(600),
            io => io.Sockets.SessionExpired += (_, s) => expired.Enqueue(s));
        await using var node = server.StartDriver();
        var id = (await node.ConnectAsync("a", opts: Opts())).GetProperty("id").GetString()!;
        await DropAsync(server, node, "a", id);

        await Wait.UntilAsync(() => !expired.IsEmpty, Long, "the session expired");
        var session = Assert.Single(expired);
        Assert.Equal(id, session.Sid);
        Assert.Contains("news", session.Rooms);
        Assert.Equal("ada", session.Data["user"]);
        Assert.Equal((await node.StateAsync("a")).GetProperty("pid").GetString(), session.Pid);

        var again = await ReconnectAsync(node, "a");
        Assert.False(again.GetProperty("recovered").GetBoolean());
        Assert.NotEqual(id, again.GetProperty("id").GetString());
        var fresh = await server.SocketAsync(again);
        Assert.False(fresh.Recovered);
    }

    [Fact]
    public async Task Too_many_missed_packets_make_the_recovery_fail_and_the_session_expire()
    {
        var expired = new ConcurrentQueue<PersistedSession>();
        await using var server = await StartAsync(
            r => r.MaxPackets = 3,
            io => io.Sockets.SessionExpired += (_, s) => expired.Enqueue(s));
        await using var node = server.StartDriver();
        var id = (await node.ConnectAsync("a", opts: Opts())).GetProperty("id").GetString()!;
        await DropAsync(server, node, "a", id);
        for (var i = 0; i < 5; i++)
        {
            server.Io.Emit("m", i);
        }

        var again = await ReconnectAsync(node, "a");
        Assert.False(again.GetProperty("recovered").GetBoolean());
        Assert.Equal(id, Assert.Single(expired).Sid);
    }

    [Fact]
    public async Task Middlewares_are_skipped_on_recovery_unless_told_otherwise()
    {
        foreach (var skip in new[] { true, false })
        {
            var runs = 0;
            await using var server = await StartAsync(
                r => r.SkipMiddlewares = skip,
                io => io.Use(async (socket, next) =>
                {
                    Interlocked.Increment(ref runs);
                    await next();
                }));
            await using var node = server.StartDriver();
            var id = (await node.ConnectAsync("a", opts: Opts())).GetProperty("id").GetString()!;
            await DropAsync(server, node, "a", id);
            var again = await ReconnectAsync(node, "a");
            Assert.True(again.GetProperty("recovered").GetBoolean());
            Assert.Equal(skip ? 1 : 2, Volatile.Read(ref runs));
        }
    }

    [Fact]
    public async Task Wire_format_pid_in_connect_offsets_in_recoverable_events_only()
    {
        await using var server = await StartAsync();
        var (client, id) = await RawSioClient.ConnectAsync(server);
        await using (client)
        {
            var socket = await server.SocketAsync(id);
            Assert.NotNull(socket.Pid);

            socket.Emit("hello", "a");
            var hello = await client.ReceiveAsync();
            using (var json = JsonDocument.Parse(hello.AsMemory(2)))
            {
                var args = json.RootElement;
                Assert.Equal(3, args.GetArrayLength());
                Assert.Equal("hello", args[0].GetString());
                Assert.Equal("a", args[1].GetString());
                Assert.Equal(JsonValueKind.String, args[2].ValueKind);
            }

            // With an ack (42<id>[...]) and volatile: no offset.
            _ = socket.Timeout(TimeSpan.FromSeconds(1)).EmitWithAckAsync("ask", "q").ContinueWith(_ => { }, TaskScheduler.Default);
            Assert.Matches("^42[0-9]+\\[\"ask\",\"q\"\\]$", await client.ReceiveAsync());
            socket.Volatile.Emit("v", 1);
            Assert.Equal("42[\"v\",1]", await client.ReceiveAsync());
            server.Io.Emit("all", 2);
            Assert.Matches("^42\\[\"all\",2,\"[^\"]+\"\\]$", await client.ReceiveAsync());
        }

        await server.DisconnectReasonAsync(id, Long);
    }

    [Fact]
    public async Task Wire_format_a_raw_client_recovers_with_pid_and_offset()
    {
        await using var server = await StartAsync();
        string pid, offset, id;
        var first = await RawSioClient.OpenAsync(server);
        await using (first)
        {
            await first.SendAsync("40");
            var connect = await first.ReceiveAsync();
            using var json = JsonDocument.Parse(connect.AsMemory(2));
            id = json.RootElement.GetProperty("sid").GetString()!;
            pid = json.RootElement.GetProperty("pid").GetString()!;
            (await server.SocketAsync(id)).Emit("m", "one");
            using var one = JsonDocument.Parse((await first.ReceiveAsync()).AsMemory(2));
            offset = one.RootElement[2].GetString()!;
        }

        Assert.Equal(DisconnectReason.TransportClose, await server.DisconnectReasonAsync(id, Long));
        server.Io.Emit("m", "two");
        server.Io.To("news").Emit("m", "three");

        await using var second = await RawSioClient.OpenAsync(server);
        await second.SendAsync("40" + JsonSerializer.Serialize(new { pid, offset }));
        Assert.Equal("40" + JsonSerializer.Serialize(new { sid = id, pid }), await second.ReceiveAsync());
        Assert.Matches("^42\\[\"m\",\"two\",\"[^\"]+\"\\]$", await second.ReceiveAsync());
        Assert.Matches("^42\\[\"m\",\"three\",\"[^\"]+\"\\]$", await second.ReceiveAsync());

        // A stale pid or a nonsense offset is simply not recovered.
        await using var third = await RawSioClient.OpenAsync(server);
        await third.SendAsync("40" + JsonSerializer.Serialize(new { pid, offset = "nonsense" }));
        var reply = await third.ReceiveAsync();
        Assert.DoesNotContain(id, reply);
    }

    [Fact]
    public async Task Without_the_option_there_is_no_pid_and_no_offset()
    {
        await using var server = await SioTestServer.StartAsync();
        var (client, id) = await RawSioClient.ConnectAsync(server);
        await using (client)
        {
            var socket = await server.SocketAsync(id);
            Assert.Null(socket.Pid);
            socket.Emit("m", 1);
            Assert.Equal("42[\"m\",1]", await client.ReceiveAsync());
            server.Io.Emit("m", 2);
            Assert.Equal("42[\"m\",2]", await client.ReceiveAsync());
        }
    }
}
