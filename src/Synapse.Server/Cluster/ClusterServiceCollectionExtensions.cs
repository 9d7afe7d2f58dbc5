using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Synapse.Server.Realtime;
using Synapse.Server.Services;
using Synapse.SocketIO.Redis;

namespace Synapse.Server.Cluster;

/// <summary>Registers what makes several nodes one Synapse: the Redis adapter, presence, rate limits and calls in Redis.</summary>
public static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// When <c>Synapse:Redis:ConnectionString</c> is set, adds the Socket.IO Redis adapter and the
    /// Redis implementations of <see cref="IPresenceStore"/>, <see cref="IUserRateLimiter"/> and
    /// <see cref="ICallStore"/>; otherwise nothing (the realtime and services layers then add
    /// their in-memory ones). Call before them.
    /// </summary>
    public static IServiceCollection AddSynapseCluster(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(ClusterOptions.SectionName);
        services.AddOptions<ClusterOptions>()
            .Bind(section)
            .Validate(o => o.HeartbeatInterval > TimeSpan.Zero && o.NodeTimeout > o.HeartbeatInterval, "Synapse:Redis:NodeTimeout must be longer than HeartbeatInterval (and both positive).")
            .Validate(o => !string.IsNullOrWhiteSpace(o.KeyPrefix), "Synapse:Redis:KeyPrefix must not be empty.")
            .ValidateOnStart();
        services.AddSingleton<ClusterNode>();
        var options = section.Get<ClusterOptions>() ?? new ClusterOptions();
        if (!options.Enabled)
        {
            return services;
        }

        services.AddRedisAdapter(o => o.ConnectionString = options.ConnectionString!);
        services.AddSingleton<RedisKeys>();
        services.AddSingleton(sp => new RedisConnection(
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ConnectionString!,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Synapse.Server.Cluster.Redis")));

        services.AddSingleton<RedisPresenceStore>();
        services.TryAddSingleton<IPresenceStore>(sp => sp.GetRequiredService<RedisPresenceStore>());
        services.AddHostedService(sp => sp.GetRequiredService<RedisPresenceStore>());
        services.TryAddSingleton<IUserRateLimiter, RedisUserRateLimiter>();
        services.TryAddSingleton<ICallStore, RedisCallStore>();
        return services;
    }
}
