using System.Net;
using Microsoft.AspNetCore.Http;

namespace Synapse.SocketIO.Engine;

/// <summary>What the handshake request told about the client, captured when the session opened.</summary>
public sealed class EngineHandshake
{
    internal EngineHandshake(HttpContext context, DateTimeOffset time)
    {
        var request = context.Request;
        Headers = new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase));
        Query = new QueryCollection(request.Query.ToDictionary(q => q.Key, q => q.Value, StringComparer.Ordinal));
        RemoteAddress = context.Connection.RemoteIpAddress;
        Secure = request.IsHttps;
        Time = time;
        Url = request.PathBase + request.Path + request.QueryString;
    }

    /// <summary>Request headers (a copy: the request object does not outlive the handshake).</summary>
    public IHeaderDictionary Headers { get; }

    /// <summary>Query string parameters.</summary>
    public IQueryCollection Query { get; }

    /// <summary>Client address as Kestrel saw it (use forwarded headers middleware behind a proxy).</summary>
    public IPAddress? RemoteAddress { get; }

    /// <summary>Whether the handshake came over TLS.</summary>
    public bool Secure { get; }

    /// <summary>When the session opened.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The handshake request's URL (path and query).</summary>
    public string Url { get; }
}
