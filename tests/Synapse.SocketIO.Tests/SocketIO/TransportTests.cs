using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>The official socket.io-client on each transport: polling only, WebSocket only, and polling upgraded to WebSocket.</summary>
public sealed class TransportTests
{
    private static Task<SioTestServer> StartEchoServerAsync() => SioTestServer.StartAsync(io => io.OnConnection(socket =>
    {
        socket.On("echo", (object?[] args, AckCallback ack) => ack(args));
        socket.Emit("welcome", socket.Conn.Transport);
    }));

    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    public async Task Client_on_a_single_transport_connects_and_exchanges_events(string transport)
    {
        await using var server = await StartEchoServerAsync();
        await using var node = server.StartDriver();

        var connect = await node.ConnectAsync("a", opts: new { transports = new[] { transport }, reconnection = false });
        Assert.Equal(transport, connect.GetProperty("transport").GetString());
        var socket = await server.SocketAsync(connect);
        Assert.Equal(transport, socket.Conn.Transport);
        Assert.Equal(connect.GetProperty("engineId").GetString(), socket.Conn.Id);
        Assert.Equal(transport, (await node.ReceiveAsync("a", "welcome"))[0].GetString());

        var ack = await node.EmitWithCallbackAsync("a", "echo", [1, "two", new { three = 3 }]);
        Assert.Equal("""[1,"two",{"three":3}]""", ack.GetRawText());

        // Heartbeats (300 ms ping interval) keep it alive.
        var pongs = 0;
        socket.Conn.Heartbeat += _ => Interlocked.Increment(ref pongs);
        await Wait.UntilAsync(() => Volatile.Read(ref pongs) >= 2, because: "two pings answered");
        Assert.True(socket.Connected);
        Assert.Equal("""["x"]""", (await node.EmitWithCallbackAsync("a", "echo", ["x"])).GetRawText());
        Assert.Equal(transport, socket.Conn.Transport);
        Assert.DoesNotContain(node.Messages, m => m.GetProperty("event").GetString() is "upgrade" or "disconnect");
    }

    [Fact]
    public async Task Default_client_starts_on_polling_and_upgrades_to_websocket()
    {
        await using var server = await StartEchoServerAsync();
        await using var node = server.StartDriver();

        var connect = await node.ConnectAsync("a", opts: new { reconnection = false });
        var open = await node.WaitForAsync(m => m.GetProperty("event").GetString() == "open", what: "engine open");
        Assert.Equal("polling", open.GetProperty("transport").GetString());
        var socket = await server.SocketAsync(connect);
        Assert.Equal(open.GetProperty("engineId").GetString(), socket.Conn.Id);

        var upgrade = await node.WaitForAsync(m => m.GetProperty("event").GetString() == "upgrade", what: "upgrade");
        Assert.Equal("websocket", upgrade.GetProperty("transport").GetString());
        await Wait.UntilAsync(() => socket.Conn.Transport == "websocket", because: "the server side switched to WebSocket");
        Assert.True(socket.Conn.IsUpgraded);

        // The same Socket.IO socket carries on over the new transport.
        Assert.Equal("""["after upgrade"]""", (await node.EmitWithCallbackAsync("a", "echo", ["after upgrade"])).GetRawText());
        socket.Emit("pushed", 42);
        Assert.Equal(42, (await node.ReceiveAsync("a", "pushed"))[0].GetInt32());
        Assert.Equal("websocket", (await node.StateAsync("a")).GetProperty("transport").GetString());
        Assert.Single(server.Sockets);
        Assert.DoesNotContain(node.Messages, m => m.GetProperty("event").GetString() is "disconnect" or "connect_error");
    }
}
