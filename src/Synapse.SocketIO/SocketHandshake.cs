using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Synapse.SocketIO.Engine;

namespace Synapse.SocketIO;

/// <summary>The details of the handshake, as Node's <c>socket.handshake</c>.</summary>
public sealed class SocketHandshake
{
    private readonly EngineHandshake? _engine;
    private readonly IHeaderDictionary? _headers;
    private readonly IQueryCollection? _query;

    /// <summary>Creates a handshake description (cluster adapters rebuild remote ones).</summary>
    public SocketHandshake(IHeaderDictionary headers, IQueryCollection query, JsonElement auth, IPAddress? address, bool secure, DateTimeOffset time, string url, bool xdomain)
    {
        _headers = headers;
        _query = query;
        Auth = auth;
        Address = address;
        Secure = secure;
        Time = time;
        Url = url;
        XDomain = xdomain;
    }

    // A local socket reads its headers and query from its connection's handshake, which builds
    // them only when first read.
    internal SocketHandshake(EngineHandshake engine, JsonElement auth)
    {
        _engine = engine;
        Auth = auth;
        Address = engine.RemoteAddress;
        Secure = engine.Secure;
        Time = engine.Time;
        Url = engine.Url;
        XDomain = engine.HasHeader(HeaderNames.Origin);
    }

    /// <summary>Headers of the first HTTP request of the connection.</summary>
    public IHeaderDictionary Headers => _headers ?? _engine!.Headers;

    /// <summary>Query parameters of the first request.</summary>
    public IQueryCollection Query => _query ?? _engine!.Query;

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
