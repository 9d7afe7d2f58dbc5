namespace Synapse.SocketIO;

/// <summary>Why a socket disconnected: the strings Node's Socket.IO server gives.</summary>
public static class DisconnectReason
{
    /// <summary>The connection was closed (the client left, or its network dropped).</summary>
    public const string TransportClose = "transport close";
    /// <summary>The connection failed.</summary>
    public const string TransportError = "transport error";
    /// <summary>The client stopped answering pings.</summary>
    public const string PingTimeout = "ping timeout";
    /// <summary>The server disconnected the socket (<c>socket.Disconnect()</c>).</summary>
    public const string ServerNamespaceDisconnect = "server namespace disconnect";
    /// <summary>The client disconnected the socket (<c>socket.disconnect()</c>).</summary>
    public const string ClientNamespaceDisconnect = "client namespace disconnect";
    /// <summary>The server is shutting down.</summary>
    public const string ServerShuttingDown = "server shutting down";
    /// <summary>The client sent something that could not be decoded.</summary>
    public const string ParseError = "parse error";
    /// <summary>The server closed the connection (<c>socket.Conn.Close()</c>, or the client sent an invalid packet).</summary>
    public const string ForcedClose = "forced close";
    /// <summary>
    /// The client sent a valid packet in the wrong state (a second CONNECT to a namespace, an
    /// event for a namespace it did not join, a CONNECT_ERROR): the server closed the connection.
    /// </summary>
    public const string ForcedServerClose = "forced server close";
    /// <summary>
    /// The client fell too far behind what the server sends it (it stopped reading, or reads too
    /// slowly): its send buffer reached <see cref="Engine.EngineIOOptions.MaxSendBufferSize"/> or
    /// <see cref="Engine.EngineIOOptions.MaxSendBufferPackets"/>, and the connection was dropped
    /// rather than let it grow. Synapse's addition: Node's server has no such limit nor reason.
    /// </summary>
    public const string SendBufferFull = "send buffer full";
}
