using Microsoft.AspNetCore.Http;

namespace Synapse.SocketIO.Engine;

/// <summary>
/// Options of an Engine.IO server. Names and defaults follow Node's <c>engine.io</c> 6 server options.
/// </summary>
public sealed class EngineIOOptions
{
    /// <summary>Path the endpoint is mapped to. Default <c>/engine.io/</c>; Socket.IO uses <c>/socket.io/</c>.</summary>
    public string Path { get; set; } = "/engine.io/";

    /// <summary>How often the server pings each client. Default 25 s.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromMilliseconds(25000);

    /// <summary>How long the server waits for a pong before closing the session. Default 20 s.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromMilliseconds(20000);

    /// <summary>How long a transport upgrade may take before the probing transport is dropped. Default 10 s.</summary>
    public TimeSpan UpgradeTimeout { get; set; } = TimeSpan.FromMilliseconds(10000);

    /// <summary>
    /// Largest message (WebSocket) or payload (long-polling POST) accepted, in bytes; announced to
    /// clients as <c>maxPayload</c>. Default 1,000,000.
    /// </summary>
    public long MaxHttpBufferSize { get; set; } = 1_000_000;

    /// <summary>Transports accepted. Default both.</summary>
    public EngineTransports Transports { get; set; } = EngineTransports.All;

    /// <summary>Whether a long-polling session may upgrade to WebSocket. Default true.</summary>
    public bool AllowUpgrades { get; set; } = true;

    /// <summary>
    /// Decides whether a handshake is accepted; a refusal is answered with HTTP 403 and code 4.
    /// Called only for new sessions.
    /// </summary>
    public Func<HttpContext, ValueTask<bool>>? AllowRequest { get; set; }

    /// <summary>Cross-origin settings; null (the default) sends no CORS headers.</summary>
    public EngineCorsOptions? Cors { get; set; }

    /// <summary>The session cookie; null (the default) sends none.</summary>
    public EngineCookieOptions? Cookie { get; set; }

    /// <summary>Compression of long-polling responses; null turns it off. On by default, as in Node.</summary>
    public EngineHttpCompressionOptions? HttpCompression { get; set; } = new();

    /// <summary>
    /// WebSocket compression (permessage-deflate, RFC 7692); null (the default) turns it off,
    /// as in Node. When on, data messages of at least <see cref="EnginePerMessageDeflateOptions.Threshold"/>
    /// bytes are compressed unless sent with <c>compress: false</c>.
    /// </summary>
    public EnginePerMessageDeflateOptions? PerMessageDeflate { get; set; }

    /// <summary>How long a closing long-polling session waits for a GET to deliver its close packet. Node: 30 s.</summary>
    public TimeSpan PollingCloseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most bytes that may wait to be sent to one client: queued, plus the batch being written. A
    /// client that falls this far behind (it stopped reading, or reads slower than it is sent to) is
    /// closed with <see cref="EngineCloseReason.SendBufferFull"/> instead of growing the server's
    /// memory. A single packet larger than the limit is still sent when nothing else is waiting.
    /// Default 10,000,000 (10 MB). Not in Node, which queues without bound.
    /// </summary>
    public long MaxSendBufferSize
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 10_000_000;

    /// <summary>
    /// Most packets that may wait to be sent to one client (see <see cref="MaxSendBufferSize"/>),
    /// which bounds the cost of a flood of small packets. Default 10,000. Not in Node.
    /// </summary>
    public int MaxSendBufferPackets
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 10_000;

    /// <summary>
    /// Most sessions open at once; a handshake beyond it is refused with HTTP 503 and
    /// <see cref="EngineErrorCode.ServerFull"/> (a WebSocket is refused before the upgrade).
    /// Null for no limit. Default 10,000. Not in Node.
    /// </summary>
    public int? MaxConnections
    {
        get;
        set
        {
            if (value is { } limit)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
            }

            field = value;
        }
    } = 10_000;

    /// <summary>
    /// Most handshakes one client address may start per second, as a token bucket that holds one
    /// second's worth (bursts up to the limit, then the limit per second). Beyond it the handshake
    /// is refused with HTTP 429 and <see cref="EngineErrorCode.TooManyRequests"/>. IPv6 addresses
    /// count per /64 network, which one host usually owns whole. Behind a reverse proxy, make the
    /// client's address visible (<c>UseForwardedHeaders</c>) or every client shares the proxy's.
    /// Null for no limit. Default 100. Not in Node.
    /// </summary>
    public int? MaxConnectionAttemptsPerIpPerSecond
    {
        get;
        set
        {
            if (value is { } limit)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
            }

            field = value;
        }
    } = 100;
}
