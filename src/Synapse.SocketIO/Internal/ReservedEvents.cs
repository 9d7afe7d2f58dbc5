namespace Synapse.SocketIO.Internal;

/// <summary>Event names a server may not emit, because the client library uses them itself.</summary>
internal static class ReservedEvents
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    };

    public static bool Contains(string eventName) => Names.Contains(eventName);
}
