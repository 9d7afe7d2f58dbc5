using Microsoft.Extensions.DependencyInjection.Extensions;
using Synapse.Server.Realtime.Handlers;
using Synapse.Server.Services;

namespace Synapse.Server.Realtime;

/// <summary>Registers the real-time layer.</summary>
public static class RealtimeServiceCollectionExtensions
{
    /// <summary>Adds the gateway, the event handlers of each area, the trackers and the Socket.IO publisher.</summary>
    public static IServiceCollection AddSynapseRealtime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RealtimeOptions>()
            .Bind(configuration.GetSection(RealtimeOptions.SectionName))
            .Validate(o => o.TypingTimeout > TimeSpan.Zero && o.CallRingTimeout > TimeSpan.Zero, "Realtime timeouts must be positive.")
            .ValidateOnStart();

        // In-memory unless the cluster registered its Redis ones first.
        services.TryAddSingleton<IPresenceStore, PresenceTracker>();
        services.TryAddSingleton<ICallStore, CallRegistry>();
        services.AddSingleton<TypingTracker>();
        services.AddSingleton<SocketEventDispatcher>();
        services.AddSingleton<IRealtimePublisher, SocketIORealtimePublisher>();

        services.AddSingleton<AuthenticationHandlers>();
        services.AddSingleton<RoomHandlers>();
        services.AddSingleton<MessageHandlers>();
        services.AddSingleton<TypingHandlers>();
        services.AddSingleton<PresenceHandlers>();
        services.AddSingleton<CallHandlers>();
        services.AddSingleton<NotificationHandlers>();
        services.AddSingleton<ISocketEventHandlers>(sp => sp.GetRequiredService<AuthenticationHandlers>());
        services.AddSingleton<ISocketEventHandlers>(sp => sp.GetRequiredService<RoomHandlers>());
        services.AddSingleton<ISocketEventHandlers>(sp => sp.GetRequiredService<MessageHandlers>());
        services.AddSingleton<ISocketEventHandlers>(sp => sp.GetRequiredService<TypingHandlers>());
        services.AddSingleton<ISocketEventHandlers>(sp => sp.GetRequiredService<PresenceHandlers>());
        services.AddSingleton<ISocketEventHandlers>(sp => sp.GetRequiredService<CallHandlers>());
        services.AddSingleton<ISocketEventHandlers>(sp => sp.GetRequiredService<NotificationHandlers>());

        services.AddSingleton<RealtimeGateway>();

        // Registered after the cluster's presence store and before Socket.IO's shutdown service:
        // stops after the connections are closed and before presence leaves the cluster.
        services.AddHostedService<RealtimeShutdownService>();
        return services;
    }
}
