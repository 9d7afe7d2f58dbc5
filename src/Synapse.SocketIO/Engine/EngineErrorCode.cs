namespace Synapse.SocketIO.Engine;

/// <summary>The error codes a server answers a bad request with, in its JSON body.</summary>
public enum EngineErrorCode
{
    /// <summary>Unknown or disabled transport.</summary>
    UnknownTransport = 0,
    /// <summary>Unknown session id.</summary>
    UnknownSid = 1,
    /// <summary>A handshake that is not a GET.</summary>
    BadHandshakeMethod = 2,
    /// <summary>Anything else malformed.</summary>
    BadRequest = 3,
    /// <summary>Refused by <see cref="EngineIOOptions.AllowRequest"/>.</summary>
    Forbidden = 4,
    /// <summary>An <c>EIO</c> other than 4.</summary>
    UnsupportedProtocolVersion = 5,
    /// <summary>
    /// <see cref="EngineIOOptions.MaxConnections"/> sessions are open already (HTTP 503).
    /// Synapse's addition: the protocol defines no code for it.
    /// </summary>
    ServerFull = 6,
    /// <summary>
    /// The client's address started more than <see cref="EngineIOOptions.MaxConnectionAttemptsPerIpPerSecond"/>
    /// handshakes in the last second (HTTP 429). Synapse's addition: the protocol defines no code for it.
    /// </summary>
    TooManyRequests = 7,
}
