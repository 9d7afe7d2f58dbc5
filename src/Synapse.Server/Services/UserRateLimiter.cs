using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Synapse.Server.Domain;

namespace Synapse.Server.Services;

/// <summary>
/// Sliding-window limits per user (all their connections together) on a single node, in memory,
/// from <see cref="System.Threading.RateLimiting"/>. Idle partitions are dropped by the limiter itself.
/// </summary>
public sealed class UserRateLimiter : IUserRateLimiter, IDisposable
{
    private readonly PartitionedRateLimiter<string> _messages;
    private readonly PartitionedRateLimiter<string> _actions;

    /// <summary>Creates the limiters from <see cref="RateLimitOptions"/>.</summary>
    public UserRateLimiter(IOptions<RateLimitOptions> options)
    {
        _messages = Create(options.Value.Messages);
        _actions = Create(options.Value.Actions);
    }

    /// <summary>What a user over the message limit is told.</summary>
    internal const string MessagesMessage = "Too many messages; slow down.";

    /// <summary>What a user over the action limit is told.</summary>
    internal const string ActionsMessage = "Too many actions; slow down.";

    /// <inheritdoc />
    public ValueTask<AppError?> TryAcquireMessageAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryAcquire(_messages, userId, MessagesMessage));

    /// <inheritdoc />
    public ValueTask<AppError?> TryAcquireActionAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryAcquire(_actions, userId, ActionsMessage));

    /// <inheritdoc />
    public void Dispose()
    {
        _messages.Dispose();
        _actions.Dispose();
    }

    private static AppError? TryAcquire(PartitionedRateLimiter<string> limiter, string userId, string message)
    {
        using var lease = limiter.AttemptAcquire(userId);
        if (lease.IsAcquired)
        {
            return null;
        }

        return AppError.RateLimited(message, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : null);
    }

    private static PartitionedRateLimiter<string> Create(RateLimitRule rule) =>
        PartitionedRateLimiter.Create<string, string>(userId => RateLimitPartition.GetSlidingWindowLimiter(userId, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = rule.PermitLimit,
            Window = rule.Window,
            SegmentsPerWindow = 10,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
}
