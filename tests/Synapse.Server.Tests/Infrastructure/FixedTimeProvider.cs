namespace Synapse.Server.Tests.Infrastructure;

/// <summary>A clock stopped at one instant (for issuing tokens in the past).</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => now;
}
