using System.Net;
using System.Text;
using System.Text.Json;

namespace Synapse.SocketIO.Tests.Infrastructure;

/// <summary>
/// A raw Engine.IO long-polling client over <see cref="HttpClient"/>: builds the URLs, performs the
/// handshake and exposes plain GET/POST so tests can check status codes and bodies byte for byte.
/// The endpoint path is a parameter so the Socket.IO tests can use it on <c>/socket.io/</c>.
/// No automatic decompression, no cookies, no redirects.
/// </summary>
public sealed class PollingClient : IDisposable
{
    private readonly bool _ownsClient;

    /// <summary>Creates a client for <paramref name="baseUri"/> + <paramref name="path"/>.</summary>
    public PollingClient(Uri baseUri, string path = "/engine.io/", HttpClient? http = null)
    {
        BaseUri = baseUri;
        Path = path;
        _ownsClient = http is null;
        Http = http ?? CreateHttpClient();
    }

    /// <summary>The server's base address.</summary>
    public Uri BaseUri { get; }

    /// <summary>The endpoint path, e.g. <c>/engine.io/</c>.</summary>
    public string Path { get; }

    /// <summary>The underlying client (its timeout is 30 s; tests bound their waits themselves).</summary>
    public HttpClient Http { get; }

    /// <summary>An <see cref="HttpClient"/> without decompression, cookies or redirects.</summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>The endpoint URL with the given query (<c>EIO</c>/<c>transport</c>/<c>sid</c> omitted when null).</summary>
    public Uri Url(string? sid = null, string? transport = "polling", string? eio = "4", string? extraQuery = null)
    {
        var query = new List<string>();
        if (eio is not null)
        {
            query.Add("EIO=" + Uri.EscapeDataString(eio));
        }

        if (transport is not null)
        {
            query.Add("transport=" + Uri.EscapeDataString(transport));
        }

        if (sid is not null)
        {
            query.Add("sid=" + Uri.EscapeDataString(sid));
        }

        if (!string.IsNullOrEmpty(extraQuery))
        {
            query.Add(extraQuery);
        }

        return new Uri(BaseUri, Path + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
    }

    /// <summary>Performs a long-polling handshake; asserts a 200 with an open packet and returns the sid and the open JSON.</summary>
    public async Task<(string Sid, JsonElement Open)> HandshakeAsync(string? extraQuery = null)
    {
        using var response = await Http.GetAsync(Url(extraQuery: extraQuery));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"handshake answered {(int)response.StatusCode}: {body}");
        Assert.StartsWith("0", body);
        using var json = JsonDocument.Parse(body.AsMemory(1));
        var open = json.RootElement.Clone();
        return (open.GetProperty("sid").GetString()!, open);
    }

    /// <summary>A GET on the session (the caller owns the response).</summary>
    public Task<HttpResponseMessage> GetAsync(string sid, CancellationToken cancellationToken = default) =>
        Http.GetAsync(Url(sid), cancellationToken);

    /// <summary>A GET on the session that must answer 200 within <paramref name="timeout"/>; returns the body.</summary>
    public async Task<string> PollAsync(string sid, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait.Default);
        HttpResponseMessage response;
        try
        {
            response = await Http.GetAsync(Url(sid), cts.Token);
        }
        catch (TaskCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"GET for {sid} not answered within {(timeout ?? Wait.Default).TotalMilliseconds} ms.");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET answered {(int)response.StatusCode}: {body}");
            return body;
        }
    }

    /// <summary>A POST of <paramref name="payload"/> (text/plain) on the session (the caller owns the response).</summary>
    public Task<HttpResponseMessage> PostAsync(string sid, string payload, CancellationToken cancellationToken = default) =>
        Http.PostAsync(Url(sid), new StringContent(payload, Encoding.UTF8, "text/plain"), cancellationToken);

    /// <summary>POSTs <paramref name="payload"/> and asserts the server answered 200 <c>ok</c>.</summary>
    public async Task SendAsync(string sid, string payload)
    {
        using var response = await PostAsync(sid, payload);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST answered {(int)response.StatusCode}: {body}");
        Assert.Equal("ok", body);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient)
        {
            Http.Dispose();
        }
    }
}
