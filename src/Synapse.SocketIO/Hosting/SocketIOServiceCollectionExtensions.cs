using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synapse.SocketIO.Diagnostics;

namespace Synapse.SocketIO.Hosting;

/// <summary>Registers a Socket.IO server.</summary>
public static class SocketIOServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="SocketIOServer"/> singleton configured by <paramref name="configure"/>, its
    /// metrics, and a graceful shutdown when the application stops.
    /// </summary>
    public static IServiceCollection AddSocketIO(this IServiceCollection services, Action<SocketIOOptions>? configure = null)
    {
        var options = services.AddOptions<SocketIOOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddMetrics();
        services.TryAddSingleton(sp => new SocketIOMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new SocketIOServer(
            sp.GetRequiredService<IOptions<SocketIOOptions>>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<SocketIOMetrics>()));
        services.AddSingleton<IHostedService>(sp => new SocketIOShutdownService(
            sp.GetRequiredService<SocketIOServer>(),
            sp.GetRequiredService<IHostApplicationLifetime>()));
        return services;
    }
}
