using System.Net;
using System.Net.WebSockets;
using System.Text;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>Malformed packets and frames close only the session they arrive on.</summary>
public sealed class MalformedInputTests
{
    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("7")]
    [InlineData("4a\u001e")]
    [InlineData("4a\u001e\u001e4b")]
    [InlineData("b!!!not base64")]
    public async Task Malformed_polling_payload_is_400_and_closes_only_that_session(string payload)
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var (otherSid, other) = await server.OpenPollingAsync();

        await EngineAssert.ErrorAsync(await server.Polling.PostAsync(sid, payload), EngineAssert.BadRequest);
        Assert.Equal(EngineCloseReason.ParseError, await session.ClosedReasonAsync());
        await EngineAssert.ErrorAsync(await server.Polling.GetAsync(sid), EngineAssert.SessionIdUnknown);

        await server.Polling.SendAsync(otherSid, "4other works");
        Assert.Equal("other works", await other.ReceiveTextAsync());
        other.Socket.Send("yes");
        Assert.Equal("4yes", await server.Polling.PollAsync(otherSid));
        Assert.Equal(1, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task Valid_packets_before_a_malformed_one_are_delivered()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await EngineAssert.ErrorAsync(await server.Polling.PostAsync(sid, EnginePayload.Join("4good", "z")), EngineAssert.BadRequest);
        Assert.Equal("good", await session.ReceiveTextAsync());
        Assert.Equal(EngineCloseReason.ParseError, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task A_trailing_separator_delivers_the_packet_before_it_then_closes()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await EngineAssert.ErrorAsync(await server.Polling.PostAsync(sid, "4a\u001e"), EngineAssert.BadRequest);
        Assert.Equal("a", await session.ReceiveTextAsync());
        Assert.Equal(EngineCloseReason.ParseError, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task Binary_content_type_post_is_refused_as_a_v3_client()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        var content = new ByteArrayContent([4, 1, 2, 3]);
        content.Headers.ContentType = new("application/octet-stream");
        await EngineAssert.ErrorAsync(await server.Polling.Http.PostAsync(server.Polling.Url(sid), content), EngineAssert.BadRequest);
        Assert.Equal(EngineCloseReason.TransportError, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task Client_ping_is_an_invalid_heartbeat_direction()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        using var response = await server.Polling.PostAsync(sid, "2");
        var close = await session.Closed.WithTimeout();
        Assert.Equal(EngineCloseReason.TransportError, close.Reason);
        Assert.Contains("heartbeat", close.Exception?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_upgrade_and_noop_packets_are_ignored_on_an_open_session()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await server.Polling.SendAsync(sid, EnginePayload.Join("0", "5", "6", "4after"));
        Assert.Equal("after", await session.ReceiveTextAsync());
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("9")]
    [InlineData("")]
    public async Task Malformed_websocket_text_packet_closes_only_that_session(string packet)
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;
        var (otherClient, _, other) = await server.OpenWebSocketAsync();
        await using var _o = otherClient;

        await client.SendTextAsync(packet);
        Assert.Equal(EngineCloseReason.ParseError, await session.ClosedReasonAsync());
        var (close, _) = await client.ReceiveUntilCloseAsync();
        Assert.True(close.IsClose);

        await otherClient.SendTextAsync("4still fine");
        Assert.Equal("still fine", await other.ReceiveTextAsync());
        other.Socket.Send("pong");
        Assert.Equal("4pong", await otherClient.ReceiveTextAsync());
    }

    /// <summary>The kind of bad frame and the close status it must get (1002 protocol error, 1007 invalid payload).</summary>
    public static TheoryData<string, int> BadFrames => new()
    {
        { "unmasked", 1002 },
        { "reserved bits", 1002 },
        { "unknown opcode", 1002 },
        { "fragmented control frame", 1002 },
        { "oversized control frame", 1002 },
        { "continuation without start", 1002 },
        { "new message inside fragmented one", 1002 },
        { "invalid utf8", 1007 },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Protocol_violating_frames_close_the_connection_with_a_status(string kind, int status)
    {
        await using var server = await EngineTestServer.StartAsync();
        var (otherClient, _, other) = await server.OpenWebSocketAsync();
        await using var _o = otherClient;

        await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
        Assert.Equal(101, (await raw.UpgradeAsync(EngineTestServer.PathAndQuery())).StatusCode);
        var sid = EngineAssert.OpenPacket((await raw.ReadFrameAsync())!.Value.Text).GetProperty("sid").GetString()!;
        var session = server.Session(sid);

        var hello = Encoding.UTF8.GetBytes("4hello");
        switch (kind)
        {
            case "unmasked":
                await raw.SendFrameAsync(RawFrame.OpText, hello, masked: false);
                break;
            case "reserved bits":
                await raw.SendFrameAsync(RawFrame.OpText, hello, rsv: 4);
                break;
            case "unknown opcode":
                await raw.SendFrameAsync(3, hello);
                break;
            case "fragmented control frame":
                await raw.SendFrameAsync(RawFrame.OpPing, [1], fin: false);
                break;
            case "oversized control frame":
                await raw.SendFrameAsync(RawFrame.OpPing, new byte[126]);
                break;
            case "continuation without start":
                await raw.SendFrameAsync(RawFrame.OpContinuation, hello);
                break;
            case "new message inside fragmented one":
                await raw.SendFrameAsync(RawFrame.OpText, hello, fin: false);
                await raw.SendFrameAsync(RawFrame.OpText, hello);
                break;
            case "invalid utf8":
                await raw.SendFrameAsync(RawFrame.OpText, [(byte)'4', 0xC3, 0x28]);
                break;
        }

        var (close, _) = await raw.ReadUntilCloseAsync();
        Assert.NotNull(close);
        Assert.Equal(status, close.Value.CloseStatus);
        Assert.Equal(EngineCloseReason.TransportError, await session.ClosedReasonAsync());
        Assert.False(session.TryReceive(out _));

        await otherClient.SendTextAsync("4unaffected");
        Assert.Equal("unaffected", await other.ReceiveTextAsync());
    }

    [Fact]
    public async Task Garbage_instead_of_an_http_request_does_not_disturb_the_server()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await using (var raw = await RawConnection.ConnectAsync(server.BaseUri))
        {
            await raw.SendAsync("\u0001\u0002 NOT HTTP\r\n\r\n");
            var response = await raw.ReadResponseAsync();
            Assert.Equal(400, response.StatusCode);
        }

        session.Socket.Send("alive");
        Assert.Equal("4alive", await server.Polling.PollAsync(sid));
    }

    [Fact]
    public async Task Client_websocket_close_frame_with_status_closes_with_transport_close()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "bye", CancellationToken.None);
        Assert.Equal(EngineCloseReason.TransportClose, await session.ClosedReasonAsync());
        var close = await client.ReceiveAsync();
        Assert.True(close.IsClose);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Polling.GetAsync(session.Id)).StatusCode);
    }
}
