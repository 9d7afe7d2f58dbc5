namespace Synapse.Server.Realtime;

/// <summary>Real-time behaviour: configuration section <c>Synapse:Realtime</c>.</summary>
public sealed class RealtimeOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Synapse:Realtime";

    /// <summary>A typing state not refreshed by <c>typing:start</c> within this ends with <c>user:stop-typing</c>.</summary>
    public TimeSpan TypingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A call nobody accepted within this ends, and its callees get a missed-call notification.</summary>
    public TimeSpan CallRingTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
