namespace Synapse.SocketIO.Engine;

/// <summary>The transports a server accepts.</summary>
[Flags]
public enum EngineTransports
{
    /// <summary>HTTP long-polling.</summary>
    Polling = 1,
    /// <summary>WebSocket.</summary>
    WebSocket = 2,
    /// <summary>Both, the default.</summary>
    All = Polling | WebSocket,
}
