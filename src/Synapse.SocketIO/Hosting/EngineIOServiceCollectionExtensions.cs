using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Synapse.SocketIO.Engine;

namespace Synapse.SocketIO.Hosting;

/// <summary>Registers a bare Engine.IO server.</summary>
public static class EngineIOServiceCollectionExtensions
{
    /// <summary>
    /// Adds an <see cref="EngineServer"/> singleton configured by <paramref name="configure"/>, and
    /// closes its sessions gracefully when the application stops.
    /// </summary>
    public static IServiceCollection AddEngineIO(this IServiceCollection services, Action<EngineIOOptions>? configure = null)
    {
        var options = services.AddOptions<EngineIOOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<EngineServer>();
        services.AddSingleton<IHostedService>(sp => new EngineShutdownService(
            sp.GetRequiredService<EngineServer>(),
            sp.GetRequiredService<IHostApplicationLifetime>()));
        return services;
    }
}
