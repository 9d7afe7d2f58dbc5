using System.Net.WebSockets;
using System.Text;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>The WebSocket transport: one packet per frame, text and binary, control frames, fragmentation.</summary>
public sealed class WebSocketTests
{
    [Fact]
    public async Task Text_frames_flow_both_ways()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        await client.SendTextAsync("4hello €");
        Assert.Equal("hello €", await session.ReceiveTextAsync());

        session.Socket.Send("from server");
        Assert.Equal("4from server", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task Binary_frames_flow_both_ways_without_prefix()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;
        var data = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();

        await client.SendBinaryAsync(data);
        var received = await session.ReceiveAsync();
        Assert.True(received.IsBinary);
        Assert.Equal(data, received.Data.ToArray());

        session.Socket.Send(new byte[] { 1, 2, 3, 4 });
        var frame = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, frame.Type);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, frame.Data);
    }

    [Fact]
    public async Task Each_queued_packet_is_its_own_frame_in_order()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        session.Socket.Send("a");
        session.Socket.Send(new byte[] { 9 });
        session.Socket.Send("b");

        Assert.Equal("4a", await client.ReceiveTextAsync());
        var binary = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, binary.Type);
        Assert.Equal(new byte[] { 9 }, binary.Data);
        Assert.Equal("4b", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task Large_messages_use_extended_lengths_both_ways()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;
        var medium = new string('m', 1000);
        var large = new string('L', 100_000);

        await client.SendTextAsync("4" + medium);
        await client.SendTextAsync("4" + large);
        Assert.Equal(medium, await session.ReceiveTextAsync());
        Assert.Equal(large, await session.ReceiveTextAsync());

        session.Socket.Send(medium);
        session.Socket.Send(large);
        Assert.Equal("4" + medium, await client.ReceiveTextAsync());
        Assert.Equal("4" + large, await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task Fragmented_messages_are_reassembled()
    {
        await using var server = await EngineTestServer.StartAsync();
        await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
        Assert.Equal(101, (await raw.UpgradeAsync(EngineTestServer.PathAndQuery())).StatusCode);
        var open = await raw.ReadFrameAsync();
        var sid = EngineAssert.OpenPacket(open!.Value.Text).GetProperty("sid").GetString()!;
        var session = server.Session(sid);

        await raw.SendFrameAsync(RawFrame.OpText, Encoding.UTF8.GetBytes("4hel"), fin: false);
        // A control frame may come between fragments.
        await raw.SendFrameAsync(RawFrame.OpPing, Encoding.UTF8.GetBytes("p"));
        await raw.SendFrameAsync(RawFrame.OpContinuation, Encoding.UTF8.GetBytes("lo "), fin: false);
        await raw.SendFrameAsync(RawFrame.OpContinuation, Encoding.UTF8.GetBytes("world"));
        Assert.Equal("hello world", await session.ReceiveTextAsync());

        var pong = await raw.ReadFrameAsync();
        Assert.Equal(RawFrame.OpPong, pong!.Value.Opcode);
        Assert.Equal("p", pong.Value.Text);

        await raw.SendFrameAsync(RawFrame.OpBinary, [1, 2], fin: false);
        await raw.SendFrameAsync(RawFrame.OpContinuation, [3]);
        var binary = await session.ReceiveAsync();
        Assert.True(binary.IsBinary);
        Assert.Equal(new byte[] { 1, 2, 3 }, binary.Data.ToArray());
    }

    [Fact]
    public async Task WebSocket_ping_frames_are_answered_with_pong_frames()
    {
        await using var server = await EngineTestServer.StartAsync();
        await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
        Assert.Equal(101, (await raw.UpgradeAsync(EngineTestServer.PathAndQuery())).StatusCode);
        await raw.ReadFrameAsync();

        await raw.SendFrameAsync(RawFrame.OpPing, [0xCA, 0xFE]);
        var pong = await raw.ReadFrameAsync();
        Assert.Equal(RawFrame.OpPong, pong!.Value.Opcode);
        Assert.Equal(new byte[] { 0xCA, 0xFE }, pong.Value.Payload);
    }

    [Fact]
    public async Task Client_disconnect_closes_the_session_with_transport_close()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using (client)
        {
            await client.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WithTimeout();
            Assert.Equal(WebSocketState.Closed, client.Socket.State);
        }

        Assert.Equal(EngineCloseReason.TransportClose, await session.ClosedReasonAsync());
        Assert.Equal(0, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task Dropped_tcp_connection_closes_the_session()
    {
        await using var server = await EngineTestServer.StartAsync();
        var raw = await RawConnection.ConnectAsync(server.BaseUri);
        Assert.Equal(101, (await raw.UpgradeAsync(EngineTestServer.PathAndQuery())).StatusCode);
        var sid = EngineAssert.OpenPacket((await raw.ReadFrameAsync())!.Value.Text).GetProperty("sid").GetString()!;
        var session = server.Session(sid);

        raw.Abort();
        Assert.Equal(EngineCloseReason.TransportClose, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task Message_handler_exception_does_not_kill_the_session()
    {
        await using var server = await EngineTestServer.StartAsync(onConnection: socket => socket.Message += (s, m) =>
        {
            if (m.Text == "throw")
            {
                throw new InvalidOperationException("handler failure");
            }

            s.Send("echo " + m.Text);
        });
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        await client.SendTextAsync("4throw");
        await client.SendTextAsync("4next");
        Assert.Equal("4echo next", await client.ReceiveTextAsync());
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
    }

    [Fact]
    public async Task Polling_requests_on_a_websocket_session_are_bad_requests()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, sid, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        await EngineAssert.ErrorAsync(await server.Polling.GetAsync(sid), EngineAssert.BadRequest);
        await EngineAssert.ErrorAsync(await server.Polling.PostAsync(sid, "4x"), EngineAssert.BadRequest);
        Assert.False(session.TryReceive(out _));
        session.Socket.Send("unaffected");
        Assert.Equal("4unaffected", await client.ReceiveTextAsync());
    }
}
