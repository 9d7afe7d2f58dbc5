namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// A way of carrying a session's packets. The session owns the outbound queue; a transport pulls
/// whole batches from it (<see cref="EngineSocket.TryTakeBatch"/>) whenever it can write, so
/// everything queued meanwhile goes out in one response or one socket write.
/// </summary>
internal abstract class EngineTransport
{
    /// <summary>The transport's name on the wire: <c>polling</c> or <c>websocket</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Whether a packet queued now would be written right away (volatile packets are dropped otherwise).</summary>
    public virtual bool IsWritable => true;

    /// <summary>Packets were queued, or the session changed state: look again.</summary>
    public abstract void Wake();

    /// <summary>
    /// The session closed: end the transport. <paramref name="clientInitiated"/> tells a close the
    /// client asked for (it needs no close packet) from one the server decided.
    /// </summary>
    public abstract void Shutdown(bool clientInitiated);

    /// <summary>
    /// The session was closed because the client does not keep up: end the transport even if a
    /// write to the client is stuck (by dropping the connection).
    /// </summary>
    public virtual void Abort() => Shutdown(clientInitiated: false);
}
