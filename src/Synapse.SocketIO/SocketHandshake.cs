using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Synapse.SocketIO.Engine;

namespace Synapse.SocketIO;

/// <summary>The details of the handshake, as Node's <c>socket.handshake</c>.</summary>
public sealed class SocketHandshake
{
    /// <summary>Creates a handshake description (cluster adapters rebuild remote ones).</summary>
    public SocketHandshake(IHeaderDictionary headers, IQueryCollection query, JsonElement auth, IPAddress? address, bool secure, DateTimeOffset time, string url, bool xdomain)
    {
        Headers = headers;
        Query = query;
        Auth = auth;
        Address = address;
        Secure = secure;
        Time = time;
        Url = url;
        XDomain = xdomain;
    }

    internal SocketHandshake(EngineHandshake engine, JsonElement auth)
        : this(engine.Headers, engine.Query, auth, engine.RemoteAddress, engine.Secure, engine.Time, engine.Url, engine.Headers.Origin.Count > 0)
    {
    }

    /// <summary>Headers of the first HTTP request of the connection.</summary>
    public IHeaderDictionary Headers { get; }

    /// <summary>Query parameters of the first request.</summary>
    public IQueryCollection Query { get; }

    /// <summary>The auth payload of the CONNECT packet (an empty object when none was sent).</summary>
    public JsonElement Auth { get; }

    /// <summary>The client's IP address.</summary>
    public IPAddress? Address { get; }

    /// <summary>Whether the connection is TLS.</summary>
    public bool Secure { get; }

    /// <summary>When the connection was opened.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>Milliseconds since the Unix epoch at <see cref="Time"/> (Node's <c>issued</c>).</summary>
    public long Issued => Time.ToUnixTimeMilliseconds();

    /// <summary>The first request's URL.</summary>
    public string Url { get; }

    /// <summary>Whether the connection is cross-domain (an Origin header was sent).</summary>
    public bool XDomain { get; }

    /// <summary>Reads the auth payload as <typeparamref name="T"/>.</summary>
    public T? GetAuth<T>(JsonSerializerOptions? options = null) => Auth.Deserialize<T>(options ?? JsonSerializerOptions.Web);
}
