using System.Net;
using System.Text.Json;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// MaxSendBufferSize and MaxSendBufferPackets: a client that does not take what it is sent is
/// dropped with <see cref="DisconnectReason.SendBufferFull"/>; volatile packets are dropped first.
/// </summary>
public sealed class SendBufferTests
{
    private static Task<SioTestServer> StartAsync(Action<SocketIOOptions> configure) =>
        SioTestServer.StartAsync(configure: o =>
        {
            // No heartbeat in these tests: a ping would sit in the queue like any other packet.
            o.PingInterval = TimeSpan.FromSeconds(30);
            o.PingTimeout = TimeSpan.FromSeconds(30);
            configure(o);
        });

    /// <summary>A long-polling client, connected to "/", that has polled everything so far and has no GET pending.</summary>
    private static async Task<(PollingClient Client, string Sid, Socket Socket)> ConnectPollingAsync(SioTestServer server)
    {
        var polling = server.CreatePollingClient();
        var (sid, _) = await polling.HandshakeAsync();
        await polling.SendAsync(sid, "40");
        var connect = await polling.PollAsync(sid);
        var socket = await server.SocketAsync(JsonDocument.Parse(connect[2..]).RootElement.GetProperty("sid").GetString()!);
        return (polling, sid, socket);
    }

    [Fact]
    public async Task A_polling_client_that_stops_polling_is_dropped_once_its_buffer_is_full()
    {
        await using var server = await StartAsync(o => o.MaxSendBufferSize = 32 * 1024);
        using var metrics = new MeterCapture(server.Host.Services);
        var (polling, sid, socket) = await ConnectPollingAsync(server);
        var (other, otherSid, otherSocket) = await ConnectPollingAsync(server);
        var chunk = new string('x', 1000);

        // Each event is 1,014 bytes: 32 fit in 32 KiB, the 33rd does not and the session is dropped.
        var sent = 0;
        while (socket.Conn.ReadyState == EngineReadyState.Open && sent < 100)
        {
            socket.Emit("chunk", chunk);
            sent++;
            if (sent == 32)
            {
                Assert.Equal(32 * 1014, socket.Conn.PendingBytes);
            }
        }

        Assert.Equal(DisconnectReason.SendBufferFull, await server.DisconnectReasonAsync(socket.Id));
        Assert.Equal(33, sent);
        Assert.Equal(0, socket.Conn.PendingBytes);
        Assert.Equal(1, metrics["socketio.connections.send_buffer_full"]);

        // The session is gone: its next poll is refused as an unknown session.
        using var poll = await polling.GetAsync(sid);
        Assert.Equal(HttpStatusCode.BadRequest, poll.StatusCode);
        Assert.Equal("""{"code":1,"message":"Session ID unknown"}""", await poll.Content.ReadAsStringAsync());

        // Another client is unaffected.
        otherSocket.Emit("hello", 1);
        Assert.Equal("42[\"hello\",1]", await other.PollAsync(otherSid));
        Assert.True(otherSocket.Connected);
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task The_packet_limit_bounds_a_flood_of_small_packets()
    {
        await using var server = await StartAsync(o => o.MaxSendBufferPackets = 50);
        var (_, _, socket) = await ConnectPollingAsync(server);

        for (var i = 0; i < 50; i++)
        {
            socket.Emit("tick", i);
        }

        Assert.True(socket.Connected);
        socket.Emit("tick", 50);
        Assert.Equal(DisconnectReason.SendBufferFull, await server.DisconnectReasonAsync(socket.Id));
    }

    [Fact]
    public async Task One_packet_larger_than_the_limit_goes_out_when_nothing_else_waits()
    {
        await using var server = await StartAsync(o => o.MaxSendBufferSize = 1000);
        var (polling, sid, socket) = await ConnectPollingAsync(server);
        var big = new string('b', 5000);

        socket.Emit("big", big);
        Assert.Equal($"42[\"big\",\"{big}\"]", await polling.PollAsync(sid));

        // With that one still waiting, a second does not fit.
        socket.Emit("big", big);
        Assert.True(socket.Connected);
        socket.Emit("big", big);
        Assert.Equal(DisconnectReason.SendBufferFull, await server.DisconnectReasonAsync(socket.Id));
    }

    [Fact]
    public async Task A_stalled_websocket_drops_volatile_packets_and_keeps_the_others_within_the_limit()
    {
        await using var server = await StartAsync(o => o.MaxSendBufferSize = 64L * 1024 * 1024);
        using var metrics = new MeterCapture(server.Host.Services);
        await using var raw = await RawConnection.ConnectAsync(server.BaseUri, receiveBufferSize: 4096);
        Assert.Equal(101, (await raw.UpgradeAsync("/socket.io/?EIO=4&transport=websocket")).StatusCode);
        await raw.ReadFrameAsync();
        await raw.SendTextFrameAsync("40");
        var connect = (await raw.ReadFrameAsync())!.Value.Text;
        var socket = await server.SocketAsync(JsonDocument.Parse(connect.AsMemory(2)).RootElement.GetProperty("sid").GetString()!);
        await Wait.UntilAsync(() => socket.Conn.CanWriteNow, because: "the connection is idle");

        // 16 MiB to a client that reads nothing: more than the kernel's buffers can take, so the
        // connection stalls with data waiting.
        for (var i = 0; i < 256; i++)
        {
            socket.Emit("chunk", new byte[64 * 1024]);
        }

        // Stalled for good once the kernel's buffers are full: nothing moves for half a second.
        long stuck = -1;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var before = socket.Conn.PendingBytes;
            await Task.Delay(500);
            if (before > 0 && socket.Conn.PendingBytes == before)
            {
                stuck = before;
                break;
            }
        }

        Assert.True(stuck > 0, "the writes never stalled");
        Assert.False(socket.Conn.CanWriteNow);
        socket.Volatile.Emit("v", 1);
        server.Io.Volatile.Emit("v", 2);
        Assert.Equal(2, metrics["socketio.packets.volatile_dropped"]);
        Assert.Equal(stuck, socket.Conn.PendingBytes);
        Assert.True(socket.Connected);
    }
}
