using System.Net;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>The Cors option: allowed origins, Vary, credentials, preflight answers.</summary>
public sealed class CorsTests
{
    private static async Task<HttpResponseMessage> HandshakeWithOrigin(EngineTestServer server, string? origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Polling.Url());
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await server.Polling.Http.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(", ", contentValues)
        : null;

    [Fact]
    public async Task Without_the_option_no_cors_headers_are_sent()
    {
        await using var server = await EngineTestServer.StartAsync();
        using var response = await HandshakeWithOrigin(server, "http://example.test");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Any_origin_answers_star_without_vary()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.Cors = new EngineCorsOptions().AllowAnyOrigin());
        using var response = await HandshakeWithOrigin(server, "http://example.test");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Vary"));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));

        using var noOrigin = await HandshakeWithOrigin(server, null);
        Assert.Equal("*", Header(noOrigin, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Origin_list_reflects_an_allowed_origin_with_vary()
    {
        await using var server = await EngineTestServer.StartAsync(o =>
        {
            o.Cors = new EngineCorsOptions();
            o.Cors.Origins.Add("http://a.test");
            o.Cors.Origins.Add("http://b.test:8080");
        });

        using var allowed = await HandshakeWithOrigin(server, "http://b.test:8080");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("http://b.test:8080", Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Equal("Origin", Header(allowed, "Vary"));

        // A foreign origin is served but not allowed: the browser will block it.
        using var foreign = await HandshakeWithOrigin(server, "http://evil.test");
        Assert.Equal(HttpStatusCode.OK, foreign.StatusCode);
        Assert.Null(Header(foreign, "Access-Control-Allow-Origin"));
        Assert.Equal("Origin", Header(foreign, "Vary"));
    }

    [Fact]
    public async Task Origin_predicate_is_consulted_for_unlisted_origins()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.Cors = new EngineCorsOptions
        {
            OriginPredicate = (origin, _) => origin.EndsWith(".trusted.test", StringComparison.Ordinal),
        });

        using var trusted = await HandshakeWithOrigin(server, "http://app.trusted.test");
        Assert.Equal("http://app.trusted.test", Header(trusted, "Access-Control-Allow-Origin"));
        using var other = await HandshakeWithOrigin(server, "http://app.other.test");
        Assert.Null(Header(other, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Credentials_reflect_the_origin_and_allow_credentials()
    {
        await using var server = await EngineTestServer.StartAsync(o =>
        {
            o.Cors = new EngineCorsOptions().AllowAnyOrigin();
            o.Cors.Credentials = true;
        });

        using var response = await HandshakeWithOrigin(server, "http://example.test");
        // "*" is not allowed with credentials: the origin is echoed instead.
        Assert.Equal("http://example.test", Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Equal("Origin", Header(response, "Vary"));
    }

    [Fact]
    public async Task Preflight_is_answered_204_with_methods_and_requested_headers()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.Cors = new EngineCorsOptions().AllowAnyOrigin());
        using var request = new HttpRequestMessage(HttpMethod.Options, server.Polling.Url());
        request.Headers.Add("Origin", "http://example.test");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-custom");
        using var response = await server.Polling.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("GET,HEAD,PUT,PATCH,POST,DELETE", Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("content-type,x-custom", Header(response, "Access-Control-Allow-Headers"));
        Assert.Contains("Access-Control-Request-Headers", Header(response, "Vary"));
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task Preflight_uses_configured_headers_methods_and_max_age()
    {
        await using var server = await EngineTestServer.StartAsync(o =>
        {
            var cors = new EngineCorsOptions { MaxAge = TimeSpan.FromMinutes(10) };
            cors.Origins.Add("http://a.test");
            cors.Methods.Clear();
            cors.Methods.Add("GET");
            cors.Methods.Add("POST");
            cors.AllowedHeaders.Add("x-allowed");
            cors.ExposedHeaders.Add("x-exposed");
            o.Cors = cors;
        });

        using var request = new HttpRequestMessage(HttpMethod.Options, server.Polling.Url());
        request.Headers.Add("Origin", "http://a.test");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "x-other");
        using var response = await server.Polling.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("http://a.test", Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("GET,POST", Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("x-allowed", Header(response, "Access-Control-Allow-Headers"));
        Assert.Equal("600", Header(response, "Access-Control-Max-Age"));
        Assert.Equal("x-exposed", Header(response, "Access-Control-Expose-Headers"));
    }

    [Fact]
    public async Task Cors_headers_are_on_session_requests_and_errors_too()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.Cors = new EngineCorsOptions().AllowAnyOrigin());
        var (sid, session) = await server.OpenPollingAsync();

        using var post = new HttpRequestMessage(HttpMethod.Post, server.Polling.Url(sid)) { Content = new StringContent("4hi") };
        post.Headers.Add("Origin", "http://example.test");
        using (var response = await server.Polling.Http.SendAsync(post))
        {
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
            Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        }

        session.Socket.Send("x");
        using (var response = await server.Polling.GetAsync(sid))
        {
            Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        }

        using var bad = new HttpRequestMessage(HttpMethod.Get, server.Polling.Url(transport: "nope"));
        bad.Headers.Add("Origin", "http://example.test");
        using (var response = await server.Polling.Http.SendAsync(bad))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        }
    }
}
