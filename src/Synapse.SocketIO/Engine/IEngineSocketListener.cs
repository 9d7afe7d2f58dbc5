namespace Synapse.SocketIO.Engine;

/// <summary>
/// The Socket.IO layer's own subscriber to a session (its <c>Client</c>), called directly before
/// the public <see cref="EngineSocket.Message"/> and <see cref="EngineSocket.Closed"/> events: two
/// event subscriptions would cost two delegates (128 bytes) per connection (benchmark S1).
/// </summary>
internal interface IEngineSocketListener
{
    /// <summary>As <see cref="EngineSocket.Message"/>.</summary>
    void OnMessage(EngineSocket socket, EngineMessage message);

    /// <summary>As <see cref="EngineSocket.Closed"/>.</summary>
    void OnClosed(EngineSocket socket, string reason, Exception? exception);
}
