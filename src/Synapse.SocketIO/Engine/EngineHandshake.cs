using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Synapse.SocketIO.Engine;

/// <summary>What the handshake request told about the client, captured when the session opened.</summary>
/// <remarks>
/// Every connection keeps one for its whole life and most applications never read its headers or
/// query: the headers are kept as a flat array and the query as the URL's tail, and the
/// dictionaries are built on first read (benchmark S1: memory per idle connection).
/// </remarks>
public sealed class EngineHandshake
{
    private readonly KeyValuePair<string, StringValues>[] _headerValues;
    private readonly int _queryStart = -1;
    private readonly string? _queryText;
    private IHeaderDictionary? _headers;
    private IQueryCollection? _query;
    // UTC ticks: a DateTimeOffset field takes 16 bytes on every connection, this 8 (benchmark S1).
    private readonly long _time;

    internal EngineHandshake(HttpContext context, DateTimeOffset time)
    {
        var request = context.Request;
        // CopyTo rather than foreach: enumerating Kestrel's headers through the interface boxes an
        // enumerator that Kestrel then keeps for the life of the request, i.e. of a WebSocket.
        var headers = request.Headers;
        var copy = new KeyValuePair<string, StringValues>[headers.Count];
        headers.CopyTo(copy, 0);
        _headerValues = WithoutWebSocketKey(copy);
        ShareCommonValues(_headerValues);
        RemoteAddress = context.Connection.RemoteIpAddress;
        Secure = request.IsHttps;
        _time = time.UtcTicks;
        // Built per request, but mostly the same for every client: share one instance.
        Url = Internal.SharedStrings.Share(request.PathBase + request.Path + request.QueryString);
        // The query's text is normally the URL's tail: keep where it starts rather than a copy.
        var query = request.QueryString.Value;
        if (!string.IsNullOrEmpty(query))
        {
            if (Url.EndsWith(query, StringComparison.Ordinal))
            {
                _queryStart = Url.Length - query.Length;
            }
            else
            {
                _queryText = query;
            }
        }
    }

    /// <summary>Request headers (a copy: the request object does not outlive the handshake).</summary>
    public IHeaderDictionary Headers => System.Threading.Volatile.Read(ref _headers) ?? BuildHeaders();

    /// <summary>Query string parameters.</summary>
    public IQueryCollection Query => System.Threading.Volatile.Read(ref _query) ?? BuildQuery();

    /// <summary>Client address as Kestrel saw it (use forwarded headers middleware behind a proxy).</summary>
    public IPAddress? RemoteAddress { get; }

    /// <summary>Whether the handshake came over TLS.</summary>
    public bool Secure { get; }

    /// <summary>When the session opened (UTC).</summary>
    public DateTimeOffset Time => new(_time, TimeSpan.Zero);

    /// <summary>The handshake request's URL (path and query).</summary>
    public string Url { get; }

    /// <summary>Whether the request carried a header, without building <see cref="Headers"/>.</summary>
    internal bool HasHeader(string name)
    {
        foreach (var (key, value) in _headerValues)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value.Count > 0;
            }
        }

        return false;
    }

    /// <summary>
    /// Drops Sec-WebSocket-Key, a single-use nonce that is unique per connection and means
    /// nothing once the upgrade is answered: about 90 bytes per WebSocket, kept for its whole life
    /// otherwise. A deliberate difference from Node, whose <c>handshake.headers</c> still shows it.
    /// </summary>
    private static KeyValuePair<string, StringValues>[] WithoutWebSocketKey(KeyValuePair<string, StringValues>[] headers)
    {
        for (var i = 0; i < headers.Length; i++)
        {
            if (string.Equals(headers[i].Key, HeaderNames.SecWebSocketKey, StringComparison.OrdinalIgnoreCase))
            {
                var kept = new KeyValuePair<string, StringValues>[headers.Length - 1];
                Array.Copy(headers, kept, i);
                Array.Copy(headers, i + 1, kept, i, headers.Length - i - 1);
                return kept;
            }
        }

        return headers;
    }

    /// <summary>
    /// Header values repeated by every client (Host, Upgrade, Sec-WebSocket-Version, User-Agent...)
    /// share one instance across connections. Values that are unique per request, or that are
    /// credentials the cache would keep in memory after the connection, are left alone.
    /// </summary>
    private static void ShareCommonValues(KeyValuePair<string, StringValues>[] headers)
    {
        for (var i = 0; i < headers.Length; i++)
        {
            var (key, value) = headers[i];
            if (value.Count == 1
                && value[0] is { } text
                && !string.Equals(key, HeaderNames.Cookie, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(key, HeaderNames.Authorization, StringComparison.OrdinalIgnoreCase))
            {
                var shared = Internal.SharedStrings.Share(text);
                if (!ReferenceEquals(shared, text))
                {
                    headers[i] = new(key, shared);
                }
            }
        }
    }

    private IHeaderDictionary BuildHeaders()
    {
        var headers = new Dictionary<string, StringValues>(_headerValues.Length, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in _headerValues)
        {
            headers[key] = value;
        }

        var built = new HeaderDictionary(headers);
        return Interlocked.CompareExchange(ref _headers, built, null) ?? built;
    }

    private IQueryCollection BuildQuery()
    {
        // The same parser as the request's own Query, over the same text (QueryString.Value).
        var text = _queryText ?? (_queryStart < 0 ? null : Url[_queryStart..]);
        var parsed = QueryHelpers.ParseNullableQuery(text);
        // Keys compare ordinally, as they always did here (Node's query object is case-sensitive too).
        var built = parsed is null ? new QueryCollection() : new QueryCollection(new Dictionary<string, StringValues>(parsed, StringComparer.Ordinal));
        return Interlocked.CompareExchange(ref _query, built, null) ?? built;
    }
}
