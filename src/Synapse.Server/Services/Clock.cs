namespace Synapse.Server.Services;

/// <summary>The current time as stored: UTC, to the millisecond (what the database keeps).</summary>
public static class Clock
{
    /// <summary>Now, truncated to milliseconds so an object equals itself after a database round trip.</summary>
    public static DateTimeOffset Now(TimeProvider time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
}
