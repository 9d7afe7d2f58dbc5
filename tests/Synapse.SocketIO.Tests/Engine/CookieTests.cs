using System.Net;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>The Cookie option: the session id cookie on the handshake response.</summary>
public sealed class CookieTests
{
    /// <summary>Splits a Set-Cookie value into its name=value pair and its attributes (lower-cased, order-free).</summary>
    private static (string Pair, string[] Attributes) Parse(string setCookie)
    {
        var parts = setCookie.Split(';', StringSplitOptions.TrimEntries);
        return (parts[0], parts[1..].Select(p => p.ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Default_cookie_is_io_sid_path_httponly_samesite_lax()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.Cookie = new EngineCookieOptions());
        using var response = await server.Polling.Http.GetAsync(server.Polling.Url());
        var open = EngineAssert.OpenPacket(await response.Content.ReadAsStringAsync());
        var sid = open.GetProperty("sid").GetString()!;

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        var (pair, attributes) = Parse(cookie);
        Assert.Equal("io=" + sid, pair);
        // Node writes "io=<sid>; path=/; httponly; samesite=lax"; attribute order carries no meaning.
        Assert.Equal(["httponly", "path=/", "samesite=lax"], attributes);
    }

    [Fact]
    public async Task Cookie_is_only_set_on_the_handshake()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.Cookie = new EngineCookieOptions());
        var (sid, session) = await server.OpenPollingAsync();

        using (var post = await server.Polling.PostAsync(sid, "4x"))
        {
            Assert.False(post.Headers.Contains("Set-Cookie"));
        }

        session.Socket.Send("y");
        using var get = await server.Polling.GetAsync(sid);
        Assert.False(get.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Cookie_is_set_on_the_websocket_handshake()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.Cookie = new EngineCookieOptions());
        await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
        var response = await raw.UpgradeAsync(EngineTestServer.PathAndQuery());
        Assert.Equal(101, response.StatusCode);
        var sid = EngineAssert.OpenPacket((await raw.ReadFrameAsync())!.Value.Text).GetProperty("sid").GetString()!;

        var (pair, attributes) = Parse(response.Header("Set-Cookie")!);
        Assert.Equal("io=" + sid, pair);
        Assert.Equal(["httponly", "path=/", "samesite=lax"], attributes);
    }

    [Fact]
    public async Task Custom_cookie_options_are_applied()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.Cookie = new EngineCookieOptions
        {
            Name = "sticky",
            Path = "/app",
            HttpOnly = false,
            Secure = true,
            SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict,
            MaxAge = TimeSpan.FromHours(1),
        });
        using var response = await server.Polling.Http.GetAsync(server.Polling.Url());
        var sid = EngineAssert.OpenPacket(await response.Content.ReadAsStringAsync()).GetProperty("sid").GetString()!;

        var (pair, attributes) = Parse(Assert.Single(response.Headers.GetValues("Set-Cookie")));
        Assert.Equal("sticky=" + sid, pair);
        Assert.Equal(["max-age=3600", "path=/app", "samesite=strict", "secure"], attributes);
    }

    [Fact]
    public async Task No_cookie_by_default()
    {
        await using var server = await EngineTestServer.StartAsync();
        using var response = await server.Polling.Http.GetAsync(server.Polling.Url());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }
}
