using System.Net;
using System.Text.RegularExpressions;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>The handshake over long-polling and over WebSocket: the open packet, the session id, the Connection event.</summary>
public sealed partial class HandshakeTests
{
    [GeneratedRegex("^[A-Za-z0-9_-]{20}$")]
    private static partial Regex SidPattern();

    [Fact]
    public async Task Polling_handshake_answers_exactly_the_open_packet()
    {
        await using var server = await EngineTestServer.StartAsync(o =>
        {
            o.PingInterval = TimeSpan.FromMilliseconds(3000);
            o.PingTimeout = TimeSpan.FromMilliseconds(2000);
            o.MaxHttpBufferSize = 12345;
        });

        using var response = await server.Polling.Http.GetAsync(server.Polling.Url());
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=UTF-8", response.Content.Headers.ContentType?.ToString());
        var open = EngineAssert.OpenPacket(body);
        var sid = open.GetProperty("sid").GetString()!;
        Assert.Matches(SidPattern(), sid);
        Assert.Equal(EngineAssert.ExpectedOpenPacket(sid, ["websocket"], 3000, 2000, 12345), body);
    }

    [Fact]
    public async Task Polling_handshake_raises_Connection_with_the_request_details()
    {
        await using var server = await EngineTestServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Polling.Url(extraQuery: "token=abc&greeting=h%C3%A9+there"));
        request.Headers.Add("X-Custom", "hello");
        using var response = await server.Polling.Http.SendAsync(request);
        var open = EngineAssert.OpenPacket(await response.Content.ReadAsStringAsync());

        var session = await server.NextSessionAsync();
        Assert.Equal(open.GetProperty("sid").GetString(), session.Id);
        Assert.Equal("polling", session.Socket.Transport);
        Assert.False(session.Socket.IsUpgraded);
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
        Assert.Equal("abc", session.Socket.Handshake.Query["token"].ToString());
        Assert.Equal("4", session.Socket.Handshake.Query["EIO"].ToString());
        Assert.Equal("h\u00e9 there", session.Socket.Handshake.Query["greeting"].ToString());
        Assert.Equal("hello", session.Socket.Handshake.Headers["X-Custom"].ToString());
        Assert.Equal("hello", session.Socket.Handshake.Headers["x-custom"].ToString());
        Assert.Equal(IPAddress.Loopback, session.Socket.Handshake.RemoteAddress);
        Assert.False(session.Socket.Handshake.Secure);
        Assert.StartsWith("/engine.io/?EIO=4&transport=polling", session.Socket.Handshake.Url);
        Assert.Equal(1, server.Engine.ClientsCount);
        Assert.True(server.Engine.TryGetClient(session.Id, out var found));
        Assert.Same(session.Socket, found);
    }

    [Fact]
    public async Task Session_ids_are_20_url_safe_characters_and_distinct()
    {
        await using var server = await EngineTestServer.StartAsync();
        var handshakes = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => server.Polling.HandshakeAsync()));
        var sids = handshakes.Select(h => h.Sid).ToArray();

        Assert.All(sids, sid => Assert.Matches(SidPattern(), sid));
        Assert.Equal(sids.Length, sids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(100, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task Path_without_trailing_slash_is_served_too()
    {
        await using var server = await EngineTestServer.StartAsync();
        using var response = await server.Polling.Http.GetAsync(server.Host.Url("/engine.io?EIO=4&transport=polling"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        EngineAssert.OpenPacket(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WebSocket_handshake_sends_the_open_packet_as_first_text_frame()
    {
        await using var server = await EngineTestServer.StartAsync(o =>
        {
            o.PingInterval = TimeSpan.FromMilliseconds(3000);
            o.PingTimeout = TimeSpan.FromMilliseconds(2000);
            o.MaxHttpBufferSize = 54321;
        });

        await using var client = await WsClient.ConnectAsync(server.WebSocketUrl());
        var first = await client.ReceiveTextAsync();

        var open = EngineAssert.OpenPacket(first);
        var sid = open.GetProperty("sid").GetString()!;
        Assert.Matches(SidPattern(), sid);
        // A WebSocket session has nothing to upgrade to.
        Assert.Equal(EngineAssert.ExpectedOpenPacket(sid, [], 3000, 2000, 54321), first);

        var session = await server.NextSessionAsync();
        Assert.Equal(sid, session.Id);
        Assert.Equal("websocket", session.Socket.Transport);
        Assert.False(session.Socket.IsUpgraded);
    }

    [Fact]
    public async Task WebSocket_handshake_answers_101_with_the_RFC6455_accept_key()
    {
        await using var server = await EngineTestServer.StartAsync();
        await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
        // The example key of RFC 6455 section 1.3.
        var response = await raw.UpgradeAsync(EngineTestServer.PathAndQuery(), key: "dGhlIHNhbXBsZSBub25jZQ==");

        Assert.Equal(101, response.StatusCode);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response.Header("Sec-WebSocket-Accept"));
        Assert.Equal("websocket", response.Header("Upgrade"), ignoreCase: true);
        var frame = await raw.ReadFrameAsync();
        Assert.NotNull(frame);
        Assert.True(frame.Value.Fin);
        Assert.Equal(RawFrame.OpText, frame.Value.Opcode);
        EngineAssert.OpenPacket(frame.Value.Text);

        // The handshake keeps the request's headers, but not the single-use nonce.
        var headers = (await server.NextSessionAsync()).Socket.Handshake.Headers;
        Assert.Equal("websocket", headers["Upgrade"].ToString(), ignoreCase: true);
        Assert.Equal("13", headers["Sec-WebSocket-Version"].ToString());
        Assert.False(headers.ContainsKey("Sec-WebSocket-Key"));
    }

    [Fact]
    public async Task Connection_handler_exception_does_not_break_the_session()
    {
        await using var server = await EngineTestServer.StartAsync(onConnection: _ => throw new InvalidOperationException("boom"));
        var (sid, session) = await server.OpenPollingAsync();

        session.Socket.Send("still here");
        Assert.Equal("4still here", await server.Polling.PollAsync(sid));
        await server.Polling.SendAsync(sid, "4pong");
        Assert.Equal("pong", await session.ReceiveTextAsync());
        Assert.Contains(server.Host.Logs.Entries, e => e.Exception is InvalidOperationException { Message: "boom" });
    }
}
