using System.Net;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>
/// MaxConnections (HTTP 503, code 6) and MaxConnectionAttemptsPerIpPerSecond (HTTP 429, code 7),
/// over long-polling and WebSocket-direct handshakes.
/// </summary>
public sealed class ConnectionLimitTests
{
    private const string ServerFull = """{"code":6,"message":"Server full"}""";
    private const string TooManyAttempts = """{"code":7,"message":"Too many connection attempts"}""";

    [Fact]
    public async Task Handshakes_beyond_max_connections_are_refused_with_503_until_a_session_closes()
    {
        await using var server = await EngineTestServer.StartAsync(o =>
        {
            o.MaxConnections = 2;
            o.MaxConnectionAttemptsPerIpPerSecond = null;
        });
        var (first, firstSession) = await server.OpenPollingAsync();
        var (ws, _, _) = await server.OpenWebSocketAsync();
        await using var _ws = ws;

        await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Polling.Url()), ServerFull, HttpStatusCode.ServiceUnavailable);
        await using (var raw = await RawConnection.ConnectAsync(server.BaseUri))
        {
            // WebSocket-direct: refused before the upgrade, with the same answer.
            EngineAssert.Error(await raw.UpgradeAsync(EngineTestServer.PathAndQuery()), ServerFull, 503);
        }

        Assert.Equal(2, server.Engine.ClientsCount);
        Assert.Equal(2, server.ConnectionErrors.Count(e => e.Code == EngineErrorCode.ServerFull));

        // The sessions that are open keep working, and a closed one frees its slot.
        await server.Polling.SendAsync(first, "4still here");
        Assert.Equal("still here", await firstSession.ReceiveTextAsync());
        firstSession.Socket.Close();
        Assert.Equal("1", await server.Polling.PollAsync(first));
        await firstSession.ClosedReasonAsync();
        var (third, _) = await server.OpenPollingAsync();
        Assert.NotEqual(first, third);
    }

    [Fact]
    public async Task Refused_handshakes_do_not_hold_a_slot()
    {
        await using var server = await EngineTestServer.StartAsync(o =>
        {
            o.MaxConnections = 1;
            o.MaxConnectionAttemptsPerIpPerSecond = null;
            o.AllowRequest = context => ValueTask.FromResult(context.Request.Query["deny"].Count == 0);
        });

        for (var i = 0; i < 3; i++)
        {
            await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Polling.Url(extraQuery: "deny=1")), EngineAssert.Forbidden, HttpStatusCode.Forbidden);
            await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Polling.Url(eio: "3")), EngineAssert.UnsupportedProtocolVersion);
        }

        await server.OpenPollingAsync();
        await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Polling.Url()), ServerFull, HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task Handshakes_beyond_the_per_address_rate_are_refused_with_429()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.MaxConnectionAttemptsPerIpPerSecond = 5);

        // The bucket holds five attempts and refills five per second: handshaking as fast as we can,
        // the first five pass and a refusal comes soon after, whatever the machine's speed.
        var accepted = 0;
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 50 && refused is null; i++)
        {
            var response = await server.Polling.Http.GetAsync(server.Polling.Url());
            if (response.StatusCode == HttpStatusCode.OK)
            {
                accepted++;
                response.Dispose();
            }
            else
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        Assert.InRange(accepted, 5, 49);
        await EngineAssert.ErrorAsync(refused, TooManyAttempts, HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        refused.Dispose();
        Assert.Equal(accepted, server.Engine.ClientsCount);

        // WebSocket-direct handshakes draw on the same bucket and are refused before the upgrade.
        RawHttpResponse? wsRefused = null;
        var connections = new List<RawConnection>();
        try
        {
            for (var i = 0; i < 50 && wsRefused is null; i++)
            {
                var raw = await RawConnection.ConnectAsync(server.BaseUri);
                connections.Add(raw);
                var response = await raw.UpgradeAsync(EngineTestServer.PathAndQuery());
                if (response.StatusCode != 101)
                {
                    wsRefused = response;
                }
            }

            Assert.NotNull(wsRefused);
            EngineAssert.Error(wsRefused, TooManyAttempts, 429);
        }
        finally
        {
            foreach (var raw in connections)
            {
                await raw.DisposeAsync();
            }
        }

        // Requests of open sessions are not handshakes and are never limited; after a pause the
        // bucket has refilled.
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        var (sid, session) = await server.OpenPollingAsync();
        for (var i = 0; i < 10; i++)
        {
            await server.Polling.SendAsync(sid, "4m" + i);
            Assert.Equal("m" + i, await session.ReceiveTextAsync());
        }

        Assert.Contains(server.ConnectionErrors, e => e.Code == EngineErrorCode.TooManyRequests);
    }

    [Fact]
    public void Addresses_are_counted_per_ipv4_address_and_per_ipv6_64_network()
    {
        static UInt128 Key(string address) => ConnectionRateLimiter.KeyOf(IPAddress.Parse(address));

        Assert.Equal(Key("192.0.2.1"), Key("::ffff:192.0.2.1"));
        Assert.NotEqual(Key("192.0.2.1"), Key("192.0.2.2"));
        Assert.Equal(Key("2001:db8:1:2::1"), Key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        Assert.NotEqual(Key("2001:db8:1:2::1"), Key("2001:db8:1:3::1"));
        Assert.NotEqual(Key("0.0.0.0"), Key("::"));

        var limiter = new ConnectionRateLimiter(2);
        var a = IPAddress.Parse("2001:db8::1");
        Assert.True(limiter.TryAcquire(a));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8::2")));
        Assert.False(limiter.TryAcquire(a));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("198.51.100.7")));
        Assert.True(limiter.TryAcquire(null));
    }
}
