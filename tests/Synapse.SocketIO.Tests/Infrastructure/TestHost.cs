using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Hosting;

namespace Synapse.SocketIO.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on 127.0.0.1 with an ephemeral port, configured by the test:
/// <code>
/// await using var host = await TestHost.StartAsync(
///     services => services.AddEngineIO(o => o.PingInterval = TimeSpan.FromMilliseconds(200)),
///     app => app.MapEngineIO("/engine.io/", socket => ...));
/// var url = host.Url("/engine.io/?EIO=4&amp;transport=polling");
/// </code>
/// Disposing stops the application (the same path as a production shutdown) and releases the port.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _stopped;

    private TestHost(WebApplication app, Uri baseUri, TestLogSink logs)
    {
        _app = app;
        BaseUri = baseUri;
        Logs = logs;
    }

    /// <summary>The application (its services, lifetime, ...).</summary>
    public WebApplication App => _app;

    /// <summary>The application's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The same base with the <c>ws</c> scheme.</summary>
    public Uri WebSocketBaseUri => new UriBuilder(BaseUri) { Scheme = "ws" }.Uri;

    /// <summary>The port Kestrel bound.</summary>
    public int Port => BaseUri.Port;

    /// <summary>Everything logged by the application (Debug and above for Synapse categories, Warning and above otherwise).</summary>
    public TestLogSink Logs { get; }

    /// <summary>An absolute http URL for <paramref name="pathAndQuery"/>.</summary>
    public Uri Url(string pathAndQuery) => new(BaseUri, pathAndQuery);

    /// <summary>An absolute ws URL for <paramref name="pathAndQuery"/>.</summary>
    public Uri WebSocketUrl(string pathAndQuery) => new(WebSocketBaseUri, pathAndQuery);

    /// <summary>
    /// Builds and starts an application: <paramref name="configureServices"/> registers services,
    /// <paramref name="configureApp"/> maps endpoints / adds middleware, <paramref name="configureBuilder"/>
    /// may change anything else on the builder (Kestrel limits, configuration, ...).
    /// </summary>
    public static async Task<TestHost> StartAsync(
        Action<IServiceCollection>? configureServices,
        Action<WebApplication> configureApp,
        Action<WebApplicationBuilder>? configureBuilder = null)
    {
        ArgumentNullException.ThrowIfNull(configureApp);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(TestHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // The recommended Kestrel setting, so every test runs WebSockets handed off from HTTP/1.1;
        // WebSocketHandoffTests cover the upgrade-stream path (without it) too.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.UseEngineIOWebSocketHandoff()));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        var logs = new TestLogSink();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddFilter((category, level) =>
            level >= LogLevel.Warning || (category?.StartsWith("Synapse", StringComparison.Ordinal) ?? false));
        builder.Logging.AddProvider(logs);
        configureServices?.Invoke(builder.Services);
        configureBuilder?.Invoke(builder);

        var app = builder.Build();
        configureApp(app);
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        var bound = new Uri(address);
        return new TestHost(app, new UriBuilder("http", "127.0.0.1", bound.Port, "/").Uri, logs);
    }

    /// <summary>Stops the application gracefully (ApplicationStopping, hosted services, Kestrel drain). Idempotent.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        await _app.StopAsync(cts.Token);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
