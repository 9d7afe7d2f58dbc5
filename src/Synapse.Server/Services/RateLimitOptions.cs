namespace Synapse.Server.Services;

/// <summary>Per-user limits on real-time writes: configuration section <c>Synapse:RateLimits</c>.</summary>
public sealed class RateLimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Synapse:RateLimits";

    /// <summary><c>message:send</c>: 10 per 10 seconds by default.</summary>
    public RateLimitRule Messages { get; set; } = new() { PermitLimit = 10, Window = TimeSpan.FromSeconds(10) };

    /// <summary>Edits, deletes, reactions and call starts together: 30 per 10 seconds by default.</summary>
    public RateLimitRule Actions { get; set; } = new() { PermitLimit = 30, Window = TimeSpan.FromSeconds(10) };
}

/// <summary>A sliding-window limit.</summary>
public sealed class RateLimitRule
{
    /// <summary>How many are allowed within <see cref="Window"/>.</summary>
    public int PermitLimit { get; set; }

    /// <summary>The window.</summary>
    public TimeSpan Window { get; set; }
}
