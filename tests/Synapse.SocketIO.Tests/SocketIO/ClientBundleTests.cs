using System.Net;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>The browser client served like Node's <c>serveClient</c>: the files of the socket.io-client npm package, with ETag and 304.</summary>
public sealed class ClientBundleTests
{
    private static string DistFile(string name) => Path.Combine(NodeScript.InteropDirectory, "node_modules", "socket.io-client", "dist", name);

    [Theory]
    [InlineData("socket.io.js", "application/javascript")]
    [InlineData("socket.io.min.js", "application/javascript")]
    [InlineData("socket.io.esm.min.js", "application/javascript")]
    [InlineData("socket.io.js.map", "application/json")]
    [InlineData("socket.io.min.js.map", "application/json")]
    [InlineData("socket.io.esm.min.js.map", "application/json")]
    public async Task Bundle_files_are_served_with_an_etag_and_answer_304_when_unchanged(string file, string mediaType)
    {
        await using var server = await SioTestServer.StartAsync();
        using var http = PollingClient.CreateHttpClient();

        using var response = await http.GetAsync(server.Host.Url("/socket.io/" + file));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(await File.ReadAllBytesAsync(DistFile(file)), body);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.Equal("\"4.8.4\"", etag.Tag);
        Assert.False(etag.IsWeak);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, server.Host.Url("/socket.io/" + file));
        conditional.Headers.TryAddWithoutValidation("If-None-Match", etag.Tag);
        using var notModified = await http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var weak = new HttpRequestMessage(HttpMethod.Get, server.Host.Url("/socket.io/" + file));
        weak.Headers.TryAddWithoutValidation("If-None-Match", "\"0.0.1\", W/" + etag.Tag);
        using var weakNotModified = await http.SendAsync(weak);
        Assert.Equal(HttpStatusCode.NotModified, weakNotModified.StatusCode);

        using var stale = new HttpRequestMessage(HttpMethod.Get, server.Host.Url("/socket.io/" + file));
        stale.Headers.TryAddWithoutValidation("If-None-Match", "\"0.0.1\"");
        using var full = await http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(body.Length, (await full.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Unknown_files_and_ServeClient_false_fall_through_to_the_engine()
    {
        await using var server = await SioTestServer.StartAsync(configure: o => o.ServeClient = false);
        using var http = PollingClient.CreateHttpClient();

        using var disabled = await http.GetAsync(server.Host.Url("/socket.io/socket.io.js"));
        Assert.Equal(HttpStatusCode.BadRequest, disabled.StatusCode);

        await using var serving = await SioTestServer.StartAsync();
        using var unknown = await http.GetAsync(serving.Host.Url("/socket.io/other.js"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        // The engine still answers its own requests next to the bundle.
        using var handshake = await http.GetAsync(serving.Host.Url("/socket.io/?EIO=4&transport=polling"));
        Assert.Equal(HttpStatusCode.OK, handshake.StatusCode);
        Assert.StartsWith("0{", await handshake.Content.ReadAsStringAsync());
    }
}
