using System.Text.Json;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>Volatile emits are dropped, not queued, for a client that cannot take them now (a long-polling client with no GET pending).</summary>
public sealed class VolatileTests
{
    [Fact]
    public async Task Volatile_packets_are_dropped_while_a_polling_client_has_no_request_pending()
    {
        await using var server = await SioTestServer.StartAsync(configure: o =>
        {
            o.PingInterval = TimeSpan.FromSeconds(20);
            o.PingTimeout = TimeSpan.FromSeconds(20);
        });
        using var metrics = new MeterCapture(server.Host.Services);
        var polling = server.CreatePollingClient();
        var (sid, _) = await polling.HandshakeAsync();
        await polling.SendAsync(sid, "40");
        var connect = await polling.PollAsync(sid);
        var socket = await server.SocketAsync(JsonDocument.Parse(connect[2..]).RootElement.GetProperty("sid").GetString()!);
        await socket.Join("room");

        // Nothing polls now: the volatile packets are dropped, the others wait for the next GET.
        Assert.False(socket.Conn.CanWriteNow);
        socket.Volatile.Emit("v-socket");
        server.Io.Volatile.Emit("v-all");
        server.Io.To("room").Volatile.Emit("v-room", new byte[] { 1 });
        socket.Emit("kept", 1);
        server.Io.Emit("kept", 2);
        Assert.Equal(3, metrics["socketio.packets.volatile_dropped"]);
        Assert.Equal(["42[\"kept\",1]", "42[\"kept\",2]"], EnginePayload.Split(await polling.PollAsync(sid)));

        // With a GET waiting, a volatile packet goes through.
        var pending = polling.PollAsync(sid);
        await Wait.UntilAsync(() => socket.Conn.CanWriteNow, because: "the GET is parked on the server");
        socket.Volatile.Emit("v-now", "x");
        Assert.Equal("42[\"v-now\",\"x\"]", await pending);
        Assert.Equal(3, metrics["socketio.packets.volatile_dropped"]);
    }

    [Fact]
    public async Task Volatile_emits_reach_an_idle_websocket_client()
    {
        var socketTask = new TaskCompletionSource<Socket>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket => socketTask.TrySetResult(socket)));
        await using var node = server.StartDriver();
        await node.ConnectAsync("a", opts: new { transports = new[] { "websocket" }, reconnection = false });
        var socket = await socketTask.Task.WithTimeout();

        await Wait.UntilAsync(() => socket.Conn.CanWriteNow, because: "the connection is idle");
        socket.Volatile.Emit("v", 1);
        Assert.Equal("[1]", (await node.ReceiveAsync("a", "v")).GetRawText());
        socket.Send("plain message");
        Assert.Equal("""["plain message"]""", (await node.ReceiveAsync("a", "message")).GetRawText());
    }
}
