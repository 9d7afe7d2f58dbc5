using Microsoft.AspNetCore.Server.Kestrel.Core;
using Synapse.SocketIO.Engine.Transports;

namespace Synapse.SocketIO.Hosting;

/// <summary>Kestrel endpoint settings for Engine.IO and Socket.IO.</summary>
public static class EngineIOListenOptionsExtensions
{
    /// <summary>
    /// Lets Engine.IO WebSockets accepted on this endpoint leave Kestrel's HTTP/1.1 layer once
    /// their upgrade request has been answered. The upgrade request still runs through the whole
    /// middleware pipeline; afterwards the WebSocket runs on the connection's own pipes, so an
    /// open WebSocket no longer keeps its request's objects (several kilobytes per connection)
    /// and each write skips the upgrade stream's copy.
    /// </summary>
    /// <remarks>
    /// Call it after <c>UseHttps()</c> on the same endpoint, so that it sees decrypted bytes; on a
    /// connection where TLS was set up outside it, WebSockets stay on the upgrade stream, as they
    /// do without this call. A handed-off WebSocket no longer counts toward Kestrel's
    /// <c>MaxConcurrentUpgradedConnections</c>: use <c>EngineIOOptions.MaxConnections</c> to cap
    /// sessions. Applies to every endpoint with
    /// <c>ConfigureEndpointDefaults(l => l.UseEngineIOWebSocketHandoff())</c>.
    /// </remarks>
    public static ListenOptions UseEngineIOWebSocketHandoff(this ListenOptions listenOptions)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        listenOptions.Use(next => connection => WebSocketHandoff.InvokeAsync(next, connection));
        return listenOptions;
    }
}
