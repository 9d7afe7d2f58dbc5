namespace Synapse.SocketIO.Engine;

/// <summary>The packet types of the Engine.IO protocol v4; the value is the type's digit on the wire.</summary>
public enum EnginePacketType : byte
{
    /// <summary>Sent by the server when a session opens; carries the handshake JSON.</summary>
    Open = 0,
    /// <summary>Asks the other side to close the transport.</summary>
    Close = 1,
    /// <summary>Heartbeat request (server to client in v4), or the upgrade probe (client to server).</summary>
    Ping = 2,
    /// <summary>Heartbeat answer.</summary>
    Pong = 3,
    /// <summary>Application data.</summary>
    Message = 4,
    /// <summary>Completes a transport upgrade.</summary>
    Upgrade = 5,
    /// <summary>Does nothing; releases a pending long-polling request during an upgrade.</summary>
    Noop = 6,
}
