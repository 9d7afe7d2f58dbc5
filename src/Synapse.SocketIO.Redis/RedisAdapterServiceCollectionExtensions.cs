using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Synapse.SocketIO.Redis;

/// <summary>Registers the Redis adapter.</summary>
public static class RedisAdapterServiceCollectionExtensions
{
    /// <summary>
    /// Makes every namespace of the Socket.IO server use the Redis adapter:
    /// <code>
    /// builder.Services.AddSocketIO(o => ...).AddRedisAdapter(o =>
    /// {
    ///     o.ConnectionString = "localhost:6379";
    ///     o.Sharded = false;
    /// });
    /// </code>
    /// A <see cref="RedisAdapterFactory"/> singleton holds the two connections to Redis; it opens
    /// them when the server starts and closes them when the application stops.
    /// </summary>
    public static IServiceCollection AddRedisAdapter(this IServiceCollection services, Action<RedisAdapterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<RedisAdapterOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddMetrics();
        services.TryAddSingleton(sp => new RedisAdapterFactory(
            sp.GetRequiredService<IOptions<RedisAdapterOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<IMeterFactory>()));
        services.AddSingleton<IConfigureOptions<SocketIOOptions>>(sp =>
            new ConfigureOptions<SocketIOOptions>(o => o.AdapterFactory = sp.GetRequiredService<RedisAdapterFactory>().Create));
        return services;
    }
}
