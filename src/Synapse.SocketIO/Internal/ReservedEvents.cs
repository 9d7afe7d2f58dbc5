namespace Synapse.SocketIO.Internal;

/// <summary>Event names that may not be emitted, as in Node.</summary>
internal static class ReservedEvents
{
    // Names the client library uses itself: a server may not emit them to clients.
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    };

    // Names a Node namespace uses itself: a server-side emit may not carry them (Node's nodes of
    // a mixed cluster would run their connection handlers with it).
    private static readonly HashSet<string> ServerSideNames = new(StringComparer.Ordinal)
    {
        "connect", "connection", "new_namespace",
    };

    public static bool Contains(string eventName) => Names.Contains(eventName);

    public static bool ContainsServerSide(string eventName) => ServerSideNames.Contains(eventName);
}
