namespace Synapse.SocketIO.Engine;

/// <summary>The life cycle of a session.</summary>
public enum EngineReadyState
{
    /// <summary>Open: packets flow both ways.</summary>
    Open,
    /// <summary>The server asked to close; queued packets are being flushed, new ones are dropped.</summary>
    Closing,
    /// <summary>Closed for good.</summary>
    Closed,
}
