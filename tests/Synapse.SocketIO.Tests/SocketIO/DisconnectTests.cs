using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// Disconnect reasons as both sides see them (server: <see cref="DisconnectReason"/>, client:
/// socket.io-client's reason), the disconnecting/disconnect events, ping timeout, graceful
/// shutdown, and client reconnection.
/// </summary>
public sealed class DisconnectTests
{
    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    public async Task Client_disconnect_is_client_namespace_disconnect_on_the_server(string transport)
    {
        await using var server = await SioTestServer.StartAsync();
        await using var node = server.StartDriver();
        var socket = await server.SocketAsync(await node.ConnectAsync("a", opts: new { transports = new[] { transport }, reconnection = true }));

        await node.DisconnectAsync("a");
        Assert.Equal("io client disconnect", (await node.WaitForAsync("a", "disconnect")).GetProperty("reason").GetString());
        Assert.Equal(DisconnectReason.ClientNamespaceDisconnect, await server.DisconnectReasonAsync(socket.Id));
        Assert.False(socket.Connected);
        Assert.Empty(server.Io.Sockets.Sockets);
        await Wait.UntilAsync(() => server.Io.EngineConnectionsCount == 0, because: "the client closes its connection when no socket is left");
        Assert.DoesNotContain(node.Messages, m => m.GetProperty("event").GetString() == "reconnect_attempt");
    }

    [Fact]
    public async Task DisconnectedToken_is_cancelled_whether_first_read_before_or_after_the_disconnect()
    {
        await using var server = await SioTestServer.StartAsync();
        await using var node = server.StartDriver();
        var before = await server.SocketAsync(await node.ConnectAsync("a", opts: new { transports = new[] { "websocket" } }));
        var after = await server.SocketAsync(await node.ConnectAsync("b", opts: new { transports = new[] { "websocket" } }));
        var token = before.DisconnectedToken;
        Assert.False(token.IsCancellationRequested);

        before.Disconnect();
        after.Disconnect();
        await server.DisconnectReasonAsync(before.Id);
        await server.DisconnectReasonAsync(after.Id);

        Assert.True(token.IsCancellationRequested);
        Assert.True(before.DisconnectedToken.IsCancellationRequested);
        // Its source is created on first read (most sockets never read it): after the disconnect, it is born cancelled.
        Assert.True(after.DisconnectedToken.IsCancellationRequested);
    }

    [Fact]
    public async Task Server_disconnect_is_io_server_disconnect_on_the_client_and_it_does_not_reconnect()
    {
        await using var server = await SioTestServer.StartAsync();
        await using var node = server.StartDriver();
        var socket = await server.SocketAsync(await node.ConnectAsync("a", opts: new { reconnection = true, reconnectionDelay = 50 }));

        socket.Disconnect();
        Assert.Equal("io server disconnect", (await node.WaitForAsync("a", "disconnect")).GetProperty("reason").GetString());
        Assert.Equal(DisconnectReason.ServerNamespaceDisconnect, await server.DisconnectReasonAsync(socket.Id));
        var state = await node.StateAsync("a");
        Assert.False(state.GetProperty("connected").GetBoolean());
        Assert.False(state.GetProperty("active").GetBoolean());
        Assert.Single(server.Sockets);
    }

    [Fact]
    public async Task Server_disconnect_with_close_sends_the_disconnect_then_closes_the_connection()
    {
        await using var server = await SioTestServer.StartAsync();
        await using var node = server.StartDriver();
        var socket = await server.SocketAsync(await node.ConnectAsync("a", opts: new { transports = new[] { "websocket" }, reconnection = false }));

        socket.Disconnect(close: true);
        // socket.io-client reads the DISCONNECT packet (flushed before the close), as with Node's server.
        Assert.Equal("io server disconnect", (await node.WaitForAsync("a", "disconnect")).GetProperty("reason").GetString());
        Assert.Equal(DisconnectReason.ServerNamespaceDisconnect, await server.DisconnectReasonAsync(socket.Id));
        await Wait.UntilAsync(() => server.Io.EngineConnectionsCount == 0, because: "the connection is closed");
        Assert.NotEqual(Synapse.SocketIO.Engine.EngineReadyState.Open, socket.Conn.ReadyState);
    }

    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    public async Task Closing_the_engine_connection_is_transport_close_on_the_client_and_forced_close_on_the_server(string transport)
    {
        await using var server = await SioTestServer.StartAsync();
        await using var node = server.StartDriver();
        var socket = await server.SocketAsync(await node.ConnectAsync("a", opts: new { transports = new[] { transport }, reconnection = false }));

        socket.Conn.Close();
        Assert.Equal("transport close", (await node.WaitForAsync("a", "disconnect")).GetProperty("reason").GetString());
        Assert.Equal(DisconnectReason.ForcedClose, await server.DisconnectReasonAsync(socket.Id));
    }

    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    public async Task Client_closing_its_connection_is_transport_close_on_the_server(string transport)
    {
        await using var server = await SioTestServer.StartAsync();
        await using var node = server.StartDriver();
        var socket = await server.SocketAsync(await node.ConnectAsync("a", opts: new { transports = new[] { transport }, reconnection = false }));

        await node.CloseEngineAsync("a");
        Assert.Equal(DisconnectReason.TransportClose, await server.DisconnectReasonAsync(socket.Id));
        // socket.io-client reports the engine's own reason when the client closed the engine.
        Assert.Equal("forced close", (await node.WaitForAsync("a", "disconnect")).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_long_poll_cut_off_by_the_network_is_transport_error()
    {
        // No heartbeat during the test: only the cut request may end the session.
        await using var server = await SioTestServer.StartAsync(configure: o =>
        {
            o.PingInterval = TimeSpan.FromSeconds(30);
            o.PingTimeout = TimeSpan.FromSeconds(30);
        });
        var polling = server.CreatePollingClient();
        var (sid, _) = await polling.HandshakeAsync();
        await polling.SendAsync(sid, "40");
        var connect = await polling.PollAsync(sid);
        Assert.StartsWith("40{\"sid\":", connect);
        var id = JsonDocument.Parse(connect[2..]).RootElement.GetProperty("sid").GetString()!;
        var socket = await server.SocketAsync(id);

        using var cut = new CancellationTokenSource();
        var poll = polling.GetAsync(sid, cut.Token);
        await Wait.UntilAsync(() => socket.Conn.CanWriteNow, because: "the GET waits on the server");
        await cut.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);

        Assert.Equal(DisconnectReason.TransportError, await server.DisconnectReasonAsync(id));
        Assert.False(socket.Connected);
        await Wait.UntilAsync(() => server.Io.EngineConnectionsCount == 0, because: "the session is closed");
    }

    [Fact]
    public async Task A_frozen_client_is_disconnected_with_ping_timeout()
    {
        await using var server = await SioTestServer.StartAsync(configure: o =>
        {
            o.PingInterval = TimeSpan.FromMilliseconds(100);
            o.PingTimeout = TimeSpan.FromMilliseconds(150);
        });

        // A raw WebSocket client that joins "/" and then never answers a ping.
        await using var frozen = await WsClient.ConnectAsync(server.WebSocketUrl());
        Assert.StartsWith("0{", await frozen.ReceiveTextAsync());
        await frozen.SendTextAsync("40");
        var connect = await frozen.ReceiveTextAsync();
        Assert.StartsWith("40{\"sid\":", connect);
        var id = JsonDocument.Parse(connect[2..]).RootElement.GetProperty("sid").GetString()!;
        var socket = await server.SocketAsync(id);
        var started = Stopwatch.StartNew();

        Assert.Equal(DisconnectReason.PingTimeout, await server.DisconnectReasonAsync(id));
        Assert.InRange(started.ElapsedMilliseconds, 0, 3000);
        Assert.False(socket.Connected);
        Assert.Equal(0, server.Io.EngineConnectionsCount);
    }

    [Fact]
    public async Task Disconnecting_still_sees_the_rooms_and_disconnect_comes_after()
    {
        var log = new ConcurrentQueue<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(async socket =>
        {
            await socket.Join("r1", "r2");
            socket.Disconnecting += (s, reason) => log.Enqueue($"Disconnecting event {reason} connected={s.Connected} rooms={string.Join(",", s.Rooms.Where(r => r != s.Id).Order())} own={s.Rooms.Contains(s.Id)}");
            socket.On("disconnecting", (string reason) => log.Enqueue($"disconnecting handler {reason} rooms={socket.Rooms.Count}"));
            socket.Disconnected += (s, reason) => log.Enqueue($"Disconnected event {reason} rooms={s.Rooms.Count}");
            socket.On("disconnect", (Socket s, string reason) =>
            {
                log.Enqueue($"disconnect handler {reason} rooms={s.Rooms.Count} inNamespace={s.Namespace.Sockets.ContainsKey(s.Id)} token={s.DisconnectedToken.IsCancellationRequested}");
                done.TrySetResult();
            });
        }));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a");
        await node.ConnectAsync("b");
        Assert.Equal(2, (await server.Io.In("r1").FetchSocketsAsync()).Count);

        await node.DisconnectAsync("a");
        await done.Task.WithTimeout();
        Assert.Equal(
            [
                "Disconnecting event client namespace disconnect connected=False rooms=r1,r2 own=True",
                "disconnecting handler client namespace disconnect rooms=3",
                "Disconnected event client namespace disconnect rooms=0",
                "disconnect handler client namespace disconnect rooms=0 inNamespace=False token=True",
            ],
            log.ToArray());
        Assert.Single(await server.Io.In("r1").FetchSocketsAsync());
    }

    [Fact]
    public async Task Graceful_shutdown_disconnects_every_socket_with_server_shutting_down()
    {
        var server = await SioTestServer.StartAsync(io => io.Of("/admin"));
        await using var _ = server;
        await using var node = server.StartDriver();
        var a = await server.SocketAsync(await node.ConnectAsync("a", opts: new { transports = new[] { "websocket" }, reconnection = false }));
        var b = await server.SocketAsync(await node.ConnectAsync("b", opts: new { transports = new[] { "polling" }, reconnection = false }));
        var admin = await server.SocketAsync(await node.ConnectAsync("admin", "/admin", manager: "#a"));

        var started = Stopwatch.StartNew();
        await server.Host.StopAsync();
        Assert.InRange(started.ElapsedMilliseconds, 0, 8000);

        Assert.Equal(DisconnectReason.ServerShuttingDown, await server.DisconnectReasonAsync(a.Id));
        Assert.Equal(DisconnectReason.ServerShuttingDown, await server.DisconnectReasonAsync(b.Id));
        Assert.Equal(DisconnectReason.ServerShuttingDown, await server.DisconnectReasonAsync(admin.Id));
        Assert.Equal(0, server.Io.EngineConnectionsCount);

        // Node's server closes the connections without DISCONNECT packets: the clients see the transport go.
        Assert.Equal("transport close", (await node.WaitForAsync("a", "disconnect")).GetProperty("reason").GetString());
        Assert.Equal("transport close", (await node.WaitForAsync("admin", "disconnect")).GetProperty("reason").GetString());
        Assert.Equal("transport close", (await node.WaitForAsync("b", "disconnect")).GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    public async Task Client_reconnects_after_the_server_closed_its_transport(string transport)
    {
        var connections = 0;
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
        {
            Interlocked.Increment(ref connections);
            socket.On("echo", (string text, AckCallback ack) => ack(text));
        }));
        await using var node = server.StartDriver();
        var first = await node.ConnectAsync("a", opts: new { transports = new[] { transport }, reconnection = true, reconnectionDelay = 50, reconnectionDelayMax = 100, randomizationFactor = 0 });
        var firstSocket = await server.SocketAsync(first);

        var mark = node.Mark;
        firstSocket.Conn.Close();
        Assert.Equal("transport close", (await node.WaitForAsync("a", "disconnect", from: mark)).GetProperty("reason").GetString());
        Assert.Equal(1, (await node.WaitForAsync(m => m.GetProperty("event").GetString() == "reconnect_attempt", from: mark)).GetProperty("attempt").GetInt32());
        Assert.Equal(1, (await node.WaitForAsync(m => m.GetProperty("event").GetString() == "reconnect", from: mark)).GetProperty("attempt").GetInt32());
        var second = await node.WaitForAsync("a", "connect", from: mark);

        Assert.NotEqual(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        Assert.NotEqual(first.GetProperty("engineId").GetString(), second.GetProperty("engineId").GetString());
        Assert.Equal(DisconnectReason.ForcedClose, await server.DisconnectReasonAsync(firstSocket.Id));
        var secondSocket = await server.SocketAsync(second);
        Assert.True(secondSocket.Connected);
        Assert.Equal(2, Volatile.Read(ref connections));
        Assert.Equal("""["back"]""", (await node.EmitWithCallbackAsync("a", "echo", ["back"])).GetRawText());
        Assert.Equal(1, server.Io.EngineConnectionsCount);
    }
}
