namespace Synapse.SocketIO.Engine;

/// <summary>Why a session closed: the same strings Node's <c>engine.io</c> gives.</summary>
public static class EngineCloseReason
{
    /// <summary>The client closed the connection or sent a close packet.</summary>
    public const string TransportClose = "transport close";
    /// <summary>The transport failed (aborted request, overlapping requests, write error).</summary>
    public const string TransportError = "transport error";
    /// <summary>No pong arrived within the ping timeout.</summary>
    public const string PingTimeout = "ping timeout";
    /// <summary>The server closed the session.</summary>
    public const string ForcedClose = "forced close";
    /// <summary>The client sent a packet that could not be decoded.</summary>
    public const string ParseError = "parse error";
    /// <summary>The server is shutting down.</summary>
    public const string ServerShuttingDown = "server shutting down";
    /// <summary>
    /// The client fell more than <see cref="EngineIOOptions.MaxSendBufferSize"/> bytes (or
    /// <see cref="EngineIOOptions.MaxSendBufferPackets"/> packets) behind: it stopped reading, or
    /// reads slower than it is sent to. Synapse's addition: Node queues without bound.
    /// </summary>
    public const string SendBufferFull = "send buffer full";
}
