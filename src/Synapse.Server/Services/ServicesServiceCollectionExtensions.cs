using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Synapse.Server.Services;

/// <summary>Registers the application services.</summary>
public static class ServicesServiceCollectionExtensions
{
    /// <summary>Adds the account, room, message and notification services and the per-user rate limiter.</summary>
    public static IServiceCollection AddSynapseServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>()
            .Bind(configuration.GetSection(RateLimitOptions.SectionName))
            .Validate(o => o.Messages.PermitLimit >= 1 && o.Messages.Window > TimeSpan.Zero, "RateLimits:Messages needs a positive limit and window.")
            .Validate(o => o.Actions.PermitLimit >= 1 && o.Actions.Window > TimeSpan.Zero, "RateLimits:Actions needs a positive limit and window.")
            .ValidateOnStart();
        services.TryAddSingleton<IUserRateLimiter, UserRateLimiter>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<RoomService>();
        services.AddSingleton<MessageService>();
        services.AddSingleton<NotificationService>();
        return services;
    }
}
