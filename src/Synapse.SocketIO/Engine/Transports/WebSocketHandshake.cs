using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>The server side of the RFC 6455 opening handshake, on Kestrel's upgrade feature.</summary>
internal static class WebSocketHandshake
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Whether the request asks for a WebSocket upgrade at all.</summary>
    public static bool IsWebSocketRequest(HttpContext context)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        return upgrade is { IsUpgradableRequest: true }
            && HttpMethods.IsGet(context.Request.Method)
            && context.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether the version and key headers make a valid opening handshake.</summary>
    public static bool IsValid(HttpContext context, out string accept)
    {
        accept = string.Empty;
        var headers = context.Request.Headers;
        if (headers.SecWebSocketVersion.ToString() != "13")
        {
            return false;
        }

        var key = headers.SecWebSocketKey.ToString().Trim();
        Span<byte> decoded = stackalloc byte[24];
        if (key.Length != 24 || !Convert.TryFromBase64String(key, decoded, out var written) || written != 16)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(Encoding.ASCII.GetBytes(key + Guid), hash);
        accept = Convert.ToBase64String(hash);
        return true;
    }

    /// <summary>
    /// Answers 101 and returns the connection, now speaking WebSocket, with the permessage-deflate
    /// state when <paramref name="deflate"/> is on and the client offered the extension. The
    /// connection is handed off from Kestrel's HTTP layer when the listener allows it
    /// (<c>UseEngineIOWebSocketHandoff</c>) and <paramref name="handoff"/> is true.
    /// </summary>
    public static async Task<WebSocketConnection> AcceptAsync(HttpContext context, string accept, EnginePerMessageDeflateOptions? deflate = null, bool handoff = true)
    {
        var response = context.Response;
        response.Headers.Upgrade = "websocket";
        response.Headers.Connection = "Upgrade";
        response.Headers.SecWebSocketAccept = accept;
        PerMessageDeflate? negotiated = null;
        if (deflate is not null
            && PerMessageDeflate.Negotiate(context.Request.Headers.SecWebSocketExtensions, deflate, out var clientNoContextTakeover) is { } answer)
        {
            response.Headers.SecWebSocketExtensions = answer;
            negotiated = new PerMessageDeflate(deflate, clientNoContextTakeover);
        }

        var connection = handoff ? WebSocketHandoff.Find(context) : null;
        var stream = await context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync();
        return connection is { CanClaim: true }
            ? new WebSocketConnection(connection, negotiated)
            : new WebSocketConnection(context, stream, negotiated);
    }
}
