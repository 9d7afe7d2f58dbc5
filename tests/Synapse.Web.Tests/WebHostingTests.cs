using System.Net;
using System.Text.RegularExpressions;

namespace Synapse.Web.Tests;

/// <summary>How the server serves the web client: files at /, the SPA fallback, and what it must not shadow.</summary>
public sealed class WebHostingTests : IAsyncLifetime
{
    private SynapseServer _server = null!;

    public async Task InitializeAsync() => _server = await SynapseServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_client_is_served_at_the_root()
    {
        using var response = await _server.Http.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"root\"></div>", html);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.Contains(_server.Logs.Entries, e => e.Message.Contains("web client at /"));
    }

    [Fact]
    public async Task Its_hashed_assets_are_served_with_their_types_and_cached_for_good()
    {
        var html = await _server.Http.GetStringAsync("/");
        var script = Regex.Match(html, "src=\"(/assets/[^\"]+\\.js)\"").Groups[1].Value;
        var style = Regex.Match(html, "href=\"(/assets/[^\"]+\\.css)\"").Groups[1].Value;
        Assert.NotEmpty(script);
        Assert.NotEmpty(style);

        using var js = await _server.Http.GetAsync(script);
        using var css = await _server.Http.GetAsync(style);
        using var icon = await _server.Http.GetAsync("/favicon.svg");

        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.Equal("text/javascript", js.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", js.Headers.CacheControl?.ToString());
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/room/abc")]
    [InlineData("/some/deep/client/route")]
    public async Task Client_routes_fall_back_to_the_page(string path)
    {
        using var response = await _server.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<div id=\"root\"></div>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_fallback_does_not_shadow_the_api_or_socket_io()
    {
        (await _server.GetAsync("/api/nothing-here", null)).AssertError(404, "NOT_FOUND");
        (await _server.GetAsync("/api", null)).AssertError(404, "NOT_FOUND");
        (await _server.SendAsync(HttpMethod.Put, "/api/health")).AssertError(405, "METHOD_NOT_ALLOWED");
        (await _server.GetAsync("/api/rooms", null)).AssertError(401, "UNAUTHENTICATED");
        Assert.Equal(200, (await _server.GetAsync("/api/health", null)).Status);

        var handshake = await _server.Http.GetStringAsync("/socket.io/?EIO=4&transport=polling");
        Assert.StartsWith("0{\"sid\":", handshake);
        using var bundle = await _server.Http.GetAsync("/socket.io/socket.io.min.js");
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.DoesNotContain("<div id=\"root\">", await bundle.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Missing_files_and_other_methods_are_not_answered_with_the_page()
    {
        using var missing = await _server.Http.GetAsync("/assets/nope.js");
        using var post = await _server.Http.PostAsync("/somewhere", new StringContent("x"));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
    }
}
