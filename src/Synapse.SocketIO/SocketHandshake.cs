using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Synapse.SocketIO.Engine;

namespace Synapse.SocketIO;

/// <summary>The details of the handshake, as Node's <c>socket.handshake</c>.</summary>
public sealed class SocketHandshake
{
    // A local socket reads everything but the auth payload from its connection's handshake, which
    // outlives it anyway; one rebuilt by a cluster adapter keeps its own copy. Two shapes rather
    // than a copy of every field: one per connected socket (benchmark S1: memory per connection).
    // The connection's EngineHandshake, or a Details.
    private readonly object _source;
    private readonly bool _xdomain;

    /// <summary>Creates a handshake description (cluster adapters rebuild remote ones).</summary>
    public SocketHandshake(IHeaderDictionary headers, IQueryCollection query, JsonElement auth, IPAddress? address, bool secure, DateTimeOffset time, string url, bool xdomain)
    {
        _source = new Details(headers, query, address, secure, time, url);
        Auth = auth;
        _xdomain = xdomain;
    }

    // A local socket reads its headers and query from its connection's handshake, which builds
    // them only when first read.
    internal SocketHandshake(EngineHandshake engine, JsonElement auth)
    {
        _source = engine;
        Auth = auth;
        _xdomain = engine.HasHeader(HeaderNames.Origin);
    }

    /// <summary>Headers of the first HTTP request of the connection.</summary>
    public IHeaderDictionary Headers => _source is Details details ? details.Headers : ((EngineHandshake)_source).Headers;

    /// <summary>Query parameters of the first request.</summary>
    public IQueryCollection Query => _source is Details details ? details.Query : ((EngineHandshake)_source).Query;

    /// <summary>The auth payload of the CONNECT packet (an empty object when none was sent).</summary>
    public JsonElement Auth { get; }

    /// <summary>The client's IP address.</summary>
    public IPAddress? Address => _source is Details details ? details.Address : ((EngineHandshake)_source).RemoteAddress;

    /// <summary>Whether the connection is TLS.</summary>
    public bool Secure => _source is Details details ? details.Secure : ((EngineHandshake)_source).Secure;

    /// <summary>When the connection was opened.</summary>
    public DateTimeOffset Time => _source is Details details ? details.Time : ((EngineHandshake)_source).Time;

    /// <summary>Milliseconds since the Unix epoch at <see cref="Time"/> (Node's <c>issued</c>).</summary>
    public long Issued => Time.ToUnixTimeMilliseconds();

    /// <summary>The first request's URL.</summary>
    public string Url => _source is Details details ? details.Url : ((EngineHandshake)_source).Url;

    /// <summary>Whether the connection is cross-domain (an Origin header was sent).</summary>
    public bool XDomain => _xdomain;

    /// <summary>Reads the auth payload as <typeparamref name="T"/>.</summary>
    public T? GetAuth<T>(JsonSerializerOptions? options = null) => Auth.Deserialize<T>(options ?? JsonSerializerOptions.Web);

    private sealed record Details(IHeaderDictionary Headers, IQueryCollection Query, IPAddress? Address, bool Secure, DateTimeOffset Time, string Url);
}
