using System.Net;
using System.Net.WebSockets;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>Refused requests: the exact JSON bodies, status codes and content type, over HTTP and WebSocket.</summary>
public sealed class ErrorResponseTests
{
    [Theory]
    [InlineData("EIO=4")]
    [InlineData("EIO=4&transport=")]
    [InlineData("EIO=4&transport=foo")]
    [InlineData("EIO=4&transport=POLLING")]
    [InlineData("EIO=4&transport=flashsocket")]
    public async Task Unknown_transport_is_code_0(string query)
    {
        await using var server = await EngineTestServer.StartAsync();
        await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Host.Url("/engine.io/?" + query)), EngineAssert.TransportUnknown);
        Assert.Contains(server.ConnectionErrors, e => e.Code == EngineErrorCode.UnknownTransport && e.Message == "Transport unknown");
        Assert.Equal(0, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task Unknown_sid_is_code_1_for_get_and_post()
    {
        await using var server = await EngineTestServer.StartAsync();
        await EngineAssert.ErrorAsync(await server.Polling.GetAsync("abcdefghijklmnopqrst"), EngineAssert.SessionIdUnknown);
        await EngineAssert.ErrorAsync(await server.Polling.PostAsync("abcdefghijklmnopqrst", "4hello"), EngineAssert.SessionIdUnknown);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Handshake_that_is_not_a_get_is_code_2(string method)
    {
        await using var server = await EngineTestServer.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), server.Polling.Url()) { Content = new StringContent("4hello") };
        await EngineAssert.ErrorAsync(await server.Polling.Http.SendAsync(request), EngineAssert.BadHandshakeMethod);
        Assert.Equal(0, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task Websocket_transport_without_an_upgrade_is_code_3()
    {
        await using var server = await EngineTestServer.StartAsync();
        await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Polling.Url(transport: "websocket")), EngineAssert.BadRequest);
    }

    [Theory]
    [InlineData("transport=polling")]
    [InlineData("EIO=3&transport=polling")]
    [InlineData("EIO=5&transport=polling")]
    [InlineData("EIO=&transport=polling")]
    [InlineData("EIO=four&transport=polling")]
    public async Task Unsupported_protocol_version_is_code_5(string query)
    {
        await using var server = await EngineTestServer.StartAsync();
        await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Host.Url("/engine.io/?" + query)), EngineAssert.UnsupportedProtocolVersion);
        Assert.Equal(0, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task AllowRequest_refusal_is_403_code_4()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.AllowRequest = _ => ValueTask.FromResult(false));
        await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Polling.Url()), EngineAssert.Forbidden, HttpStatusCode.Forbidden);
        Assert.Contains(server.ConnectionErrors, e => e.Code == EngineErrorCode.Forbidden);
        Assert.Equal(0, server.Engine.ClientsCount);

        await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
        EngineAssert.Error(await raw.UpgradeAsync(EngineTestServer.PathAndQuery()), EngineAssert.Forbidden, 403);
        Assert.Equal(0, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task AllowRequest_sees_the_handshake_and_is_not_consulted_for_later_requests()
    {
        var calls = 0;
        await using var server = await EngineTestServer.StartAsync(o => o.AllowRequest = async context =>
        {
            Interlocked.Increment(ref calls);
            await Task.Yield();
            return context.Request.Query["token"] == "secret";
        });

        await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Polling.Url(extraQuery: "token=wrong")), EngineAssert.Forbidden, HttpStatusCode.Forbidden);
        var (sid, _) = await server.Polling.HandshakeAsync("token=secret");
        Assert.Equal(2, Volatile.Read(ref calls));

        await server.Polling.SendAsync(sid, "4hello");
        server.Session(sid).Socket.Send("x");
        Assert.Equal("4x", await server.Polling.PollAsync(sid));
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Websocket_with_bad_parameters_is_answered_with_http_errors_not_accepted()
    {
        await using var server = await EngineTestServer.StartAsync();

        async Task<RawHttpResponse> Upgrade(string pathAndQuery, string? key = null, string version = "13")
        {
            await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
            return await raw.UpgradeAsync(pathAndQuery, key, version);
        }

        EngineAssert.Error(await Upgrade("/engine.io/?EIO=3&transport=websocket"), EngineAssert.UnsupportedProtocolVersion);
        EngineAssert.Error(await Upgrade("/engine.io/?transport=websocket"), EngineAssert.UnsupportedProtocolVersion);
        EngineAssert.Error(await Upgrade("/engine.io/?EIO=4"), EngineAssert.TransportUnknown);
        EngineAssert.Error(await Upgrade("/engine.io/?EIO=4&transport=foo"), EngineAssert.TransportUnknown);
        EngineAssert.Error(await Upgrade("/engine.io/?EIO=4&transport=polling"), EngineAssert.BadRequest);
        EngineAssert.Error(await Upgrade("/engine.io/?EIO=4&transport=websocket&sid=unknownunknownunknow"), EngineAssert.SessionIdUnknown);
        EngineAssert.Error(await Upgrade("/engine.io/?EIO=4&transport=websocket", key: "not-a-key"), EngineAssert.BadRequest);
        EngineAssert.Error(await Upgrade("/engine.io/?EIO=4&transport=websocket", version: "8"), EngineAssert.BadRequest);
        Assert.Equal(0, server.Engine.ClientsCount);

        // And a standard client sees a failed connection.
        var ex = await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(server.WebSocketUrl(eio: "3")));
        Assert.Contains("400", ex.Message);
    }

    [Fact]
    public async Task Errors_do_not_affect_open_sessions()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Polling.Url(transport: "foo")), EngineAssert.TransportUnknown);
        // Another first character (a random sid starts with "x" one time in 64).
        var unknown = (sid[0] == 'x' ? "y" : "x") + sid[1..];
        await EngineAssert.ErrorAsync(await server.Polling.GetAsync(unknown), EngineAssert.SessionIdUnknown);
        session.Socket.Send("fine");
        Assert.Equal("4fine", await server.Polling.PollAsync(sid));
    }
}
