using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Synapse.Server;

namespace Synapse.Server.Tests.Infrastructure;

/// <summary>
/// The real Synapse server, in-process on 127.0.0.1 with an ephemeral port and its own data folder
/// (a temporary one, deleted on dispose, unless the test passes one to restart on). Settings tuned
/// for tests: cheap password hashing and a 1-second typing timeout; everything else is production.
/// </summary>
public sealed class SynapseServer : IAsyncDisposable
{
    private readonly bool _ownsDataDirectory;
    private int _stopped;

    private SynapseServer(WebApplication app, Uri baseUri, string dataDirectory, bool ownsDataDirectory, TestLogSink logs)
    {
        App = app;
        BaseUri = baseUri;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        Logs = logs;
        Http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The application.</summary>
    public WebApplication App { get; }

    /// <summary>The application's services.</summary>
    public IServiceProvider Services => App.Services;

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>What the server logged.</summary>
    public TestLogSink Logs { get; }

    /// <summary>A client for the REST API.</summary>
    public HttpClient Http { get; }

    /// <summary>A temporary folder for a data directory (the caller deletes it).</summary>
    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "synapse-tests", Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Starts a server. <paramref name="dataDirectory"/>: reuse a folder (restart tests; the caller
    /// owns it); <paramref name="settings"/>: extra configuration, as <c>key=value</c> command-line settings.
    /// </summary>
    public static async Task<SynapseServer> StartAsync(string? dataDirectory = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= NewDataDirectory();
        var values = new Dictionary<string, string>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Synapse:DataDirectory"] = dataDirectory,
            ["Synapse:Auth:PasswordHashIterations"] = "1000",
            ["Synapse:Realtime:TypingTimeout"] = "00:00:01",
            ["Synapse:RateLimits:Messages:PermitLimit"] = "1000",
            ["Synapse:RateLimits:Actions:PermitLimit"] = "1000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            values[key] = value;
        }

        var args = values.Select(pair => $"--{pair.Key}={pair.Value}").ToArray();
        var logs = new TestLogSink();
        var app = SynapseApp.Create(args, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddFilter((category, level) =>
                level >= LogLevel.Warning || (category?.StartsWith("Synapse", StringComparison.Ordinal) ?? false));
            builder.Logging.AddProvider(logs);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        });
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no address.");
        var port = new Uri(address).Port;
        return new SynapseServer(app, new Uri($"http://127.0.0.1:{port}/"), dataDirectory, owns, logs);
    }

    /// <summary>Stops the server gracefully (as Ctrl+C would). Idempotent.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await App.StopAsync(cts.Token);
        await App.DisposeAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync();
        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Registers a user with a unique name built from <paramref name="prefix"/>.</summary>
    public async Task<TestUser> RegisterAsync(string prefix = "user", string password = "password123", string? displayName = null)
    {
        var userName = $"{prefix}_{Guid.NewGuid().ToString("N")[..8]}";
        var response = await SendAsync(HttpMethod.Post, "/api/auth/register", new { userName, password, displayName });
        Assert.True(response.Status == 201, $"register {userName}: {response}");
        return TestUser.From(response.Body, password);
    }

    /// <summary>Sends a JSON request (body serialized camelCase; null for none), with a bearer token if given.</summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body, options: JsonSerializerOptions.Web);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new ApiResponse((int)response.StatusCode, json, text, response.Headers);
    }

    /// <summary>GET with a token.</summary>
    public Task<ApiResponse> GetAsync(string path, string? token) => SendAsync(HttpMethod.Get, path, null, token);

    /// <summary>POST with a token.</summary>
    public Task<ApiResponse> PostAsync(string path, object? body, string? token = null) => SendAsync(HttpMethod.Post, path, body, token);

    /// <summary>DELETE with a token.</summary>
    public Task<ApiResponse> DeleteAsync(string path, string? token) => SendAsync(HttpMethod.Delete, path, null, token);

    /// <summary>Creates a room owned by <paramref name="owner"/>; returns its id.</summary>
    public async Task<string> CreateRoomAsync(TestUser owner, bool isPrivate = false, params TestUser[] members)
    {
        var response = await PostAsync("/api/rooms", new { name = "room " + Guid.NewGuid().ToString("N")[..6], isPrivate, memberIds = members.Select(m => m.Id) }, owner.AccessToken);
        Assert.True(response.Status == 201, response.ToString());
        return response.Body.GetProperty("id").GetString()!;
    }

    /// <summary>A body that is not JSON.</summary>
    public static HttpContent RawJson(string text) => new StringContent(text, Encoding.UTF8, "application/json");
}

/// <summary>A registered user and their tokens.</summary>
public sealed record TestUser(string Id, string UserName, string Password, string AccessToken, string RefreshToken, bool IsAdmin)
{
    /// <summary>From an auth response body.</summary>
    public static TestUser From(JsonElement body, string password)
    {
        var user = body.GetProperty("user");
        return new TestUser(
            user.GetProperty("id").GetString()!,
            user.GetProperty("userName").GetString()!,
            password,
            body.GetProperty("accessToken").GetString()!,
            body.GetProperty("refreshToken").GetString()!,
            user.GetProperty("isAdmin").GetBoolean());
    }
}

/// <summary>A REST response.</summary>
public sealed record ApiResponse(int Status, JsonElement Body, string Text, HttpResponseHeaders Headers)
{
    /// <summary>Asserts the status and the <c>{"error":{"code","message"}}</c> shape with <paramref name="code"/>.</summary>
    public void AssertError(int status, string code)
    {
        Assert.True(Status == status, $"expected {status} {code}, got {this}");
        var error = Body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(2, error.EnumerateObject().Count());
    }

    /// <inheritdoc />
    public override string ToString() => $"{Status} {Text}";
}
