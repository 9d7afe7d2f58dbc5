using Synapse.Server.Domain;

namespace Synapse.Server.Services;

/// <summary>
/// Sliding-window limits per user, over all their connections (<see cref="RateLimitOptions"/>):
/// <see cref="UserRateLimiter"/> on one node, <see cref="RedisUserRateLimiter"/> across a cluster.
/// </summary>
public interface IUserRateLimiter
{
    /// <summary>Takes a permit to send a message; the <c>RATE_LIMITED</c> error when the user is over the limit.</summary>
    ValueTask<AppError?> TryAcquireMessageAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Takes a permit for another write action; the <c>RATE_LIMITED</c> error when the user is over the limit.</summary>
    ValueTask<AppError?> TryAcquireActionAsync(string userId, CancellationToken cancellationToken = default);
}
