namespace Synapse.Server.Realtime.Handlers;

/// <summary>One area of the real-time API: registers its client events on each new connection.</summary>
public interface ISocketEventHandlers
{
    /// <summary>Registers the area's events on the session's socket (synchronously, before any event can be lost).</summary>
    void Register(SocketSession session);
}
