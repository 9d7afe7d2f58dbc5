using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;
using Synapse.Server.Api;
using Synapse.Server.Auth;
using Synapse.Server.Cluster;
using Synapse.Server.Realtime;
using Synapse.Server.Services;
using Synapse.Server.Storage;
using Synapse.Server.Web;
using Synapse.SocketIO;
using Synapse.SocketIO.Hosting;

namespace Synapse.Server;

/// <summary>
/// Builds the Synapse server: the web client at <c>/</c>, the REST API under <c>/api</c> and the
/// Socket.IO endpoint <c>/socket.io/</c> on one port. <c>Program</c> runs it; tests host it
/// in-process (pass <c>--urls http://127.0.0.1:0</c> and a temporary <c>--Synapse:DataDirectory</c>).
/// </summary>
public static partial class SynapseApp
{
    /// <summary>
    /// The settings in force when nothing else configures them, so that the server starts the same
    /// on a fresh machine with or without <c>appsettings.json</c>. Every other source (appsettings,
    /// <c>Synapse__*</c> environment variables, command-line arguments) overrides them.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> EmbeddedDefaults { get; } = new Dictionary<string, string?>
    {
        ["Urls"] = "http://localhost:3001",
        ["Synapse:DataDirectory"] = "data",
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",

        // Every refused token would otherwise log a line at Information.
        ["Logging:LogLevel:Synapse.Server.Auth.BearerAuthenticationHandler"] = "Warning",
    };

    /// <summary>Builds the application from command-line arguments; <paramref name="configure"/> may adjust the builder (tests).</summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,

            // Not the entry assembly's name: under a test host that would be "testhost".
            ApplicationName = typeof(SynapseApp).Assembly.GetName().Name,
        });
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = EmbeddedDefaults });
        AddServices(builder.Services, builder.Configuration);
        // WebSockets leave Kestrel's HTTP/1.1 layer once upgraded: less memory per open connection.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.UseEngineIOWebSocketHandoff()));
        configure?.Invoke(builder);

        var app = builder.Build();
        var webClient = WebClientHosting.EmbeddedClient();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseCors();
        app.UseSynapseWebClient(webClient);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapSynapseApi();
        var gateway = app.Services.GetRequiredService<RealtimeGateway>();
        app.MapSocketIO(gateway.Attach);
        app.MapSynapseWebClient(webClient);
        app.Lifetime.ApplicationStarted.Register(() => LogStarted(app, webClient is not null));
        return app;
    }

    private static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SynapseOptions>()
            .Bind(configuration.GetSection(SynapseOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), "Synapse:DataDirectory is required.")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, SynapseJsonContext.Default);

            // JSON, not HTML: no need to escape quotes, accents or emoji.
            o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<SynapseOptions>>((cors, synapse) => cors.AddDefaultPolicy(policy =>
                policy.WithOrigins(synapse.Value.AllowedOrigins).AllowAnyHeader().AllowAnyMethod().AllowCredentials()));

        services.AddSynapseStorage(configuration);

        // Before the services and realtime layers: with Redis configured, its implementations win.
        services.AddSynapseCluster(configuration);
        services.AddSynapseAuth(configuration);
        services.AddSynapseServices(configuration);
        services.AddSynapseRealtime(configuration);

        services.AddSocketIO();
        services.AddOptions<SocketIOOptions>().Configure<IOptions<SynapseOptions>>((io, synapse) =>
        {
            io.JsonSerializerOptions = SynapseJsonContext.CreateSocketOptions();
            if (synapse.Value.AllowedOrigins.Length > 0)
            {
                io.Cors = new Synapse.SocketIO.Engine.EngineCorsOptions { Credentials = true };
                foreach (var origin in synapse.Value.AllowedOrigins)
                {
                    io.Cors.Origins.Add(origin);
                }
            }
        });
    }

    private static void LogStarted(WebApplication app, bool webClient)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var store = app.Services.GetRequiredService<ISynapseStore>();
        var keys = app.Services.GetRequiredService<SigningKeyProvider>();
        Log.Started(app.Logger, string.Join(", ", addresses), webClient ? "web client at /" : "web client not built", store.Location, keys.Source);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Synapse listening on {Addresses} ({WebClient}, REST under /api, Socket.IO at /socket.io/); data in {Database}; token-signing key from {KeySource}.")]
        public static partial void Started(ILogger logger, string addresses, string webClient, string database, string keySource);
    }
}
