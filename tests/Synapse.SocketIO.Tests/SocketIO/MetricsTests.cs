using System.Diagnostics.Metrics;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>The <c>Synapse.SocketIO</c> meter, read with a <see cref="MeterListener"/> while socket.io-client clients come and go.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Meter_reports_connected_sockets_packets_bytes_and_broadcasts()
    {
        await using var server = await SioTestServer.StartAsync(io =>
        {
            io.OnConnection(socket => socket.On("e", (AckCallback ack) => ack()));
            io.Of("/other");
        });

        using var metrics = new MeterCapture(server.Host.Services);
        long Total(string name) => metrics[name];

        await using var node = server.StartDriver();
        var a = await server.SocketAsync(await node.ConnectAsync("a"));
        await server.SocketAsync(await node.ConnectAsync("b"));
        await server.SocketAsync(await node.ConnectAsync("b-other", "/other", manager: "#b"));
        Assert.Equal(3, Total("socketio.sockets.connected"));

        // Every packet counts: the three CONNECTs so far, then events and acknowledgements.
        Assert.Equal(3, Total("socketio.packets.received"));
        var bytesBefore = Total("socketio.bytes.received");
        for (var i = 0; i < 3; i++)
        {
            await node.EmitWithCallbackAsync("a", "e", []);
        }

        Assert.Equal(6, Total("socketio.packets.received"));
        await node.AnswerAsync("a", "question", reply: ["answer"]);
        await a.Timeout(TimeSpan.FromSeconds(10)).EmitWithAckAsync("question");
        Assert.Equal(7, Total("socketio.packets.received"));
        Assert.True(Total("socketio.bytes.received") - bytesBefore >= 3 * "2[\"e\"]".Length, $"bytes received: {Total("socketio.bytes.received") - bytesBefore}");

        var sentBefore = Total("socketio.packets.sent");
        var bytesSentBefore = Total("socketio.bytes.sent");
        a.Emit("direct");
        a.Emit("direct");
        Assert.Equal(2, Total("socketio.packets.sent") - sentBefore);
        Assert.Equal(2 * "42[\"direct\"]".Length, Total("socketio.bytes.sent") - bytesSentBefore);

        // A broadcast counts once as a broadcast and once per delivery (a and b are on "/").
        server.Io.Emit("all");
        server.Io.To("room").Emit("room");
        Assert.Equal(2, Total("socketio.broadcasts"));
        Assert.Equal(4, Total("socketio.packets.sent") - sentBefore);

        await node.DisconnectAsync("a");
        await server.DisconnectReasonAsync(a.Id);
        Assert.Equal(2, Total("socketio.sockets.connected"));

        await server.Host.StopAsync();
        Assert.Equal(0, Total("socketio.sockets.connected"));
    }
}
