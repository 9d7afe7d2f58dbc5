namespace Synapse.SocketIO.Adapters;

/// <summary>Who a broadcast reaches: the union of <see cref="Rooms"/> (everyone when empty) minus <see cref="Except"/>.</summary>
public sealed record BroadcastOptions
{
    private static readonly IReadOnlySet<string> Empty = new HashSet<string>();

    /// <summary>Everyone in the namespace.</summary>
    public static BroadcastOptions All { get; } = new();

    /// <summary>Target rooms; empty means every socket of the namespace.</summary>
    public IReadOnlySet<string> Rooms { get; init; } = Empty;

    /// <summary>Rooms whose sockets are excluded.</summary>
    public IReadOnlySet<string> Except { get; init; } = Empty;

    /// <summary>Flags.</summary>
    public BroadcastFlags Flags { get; init; } = BroadcastFlags.None;
}
