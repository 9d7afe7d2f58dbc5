using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO;

/// <summary>
/// Options of a Socket.IO server: Node's server options with C# names. The Engine.IO options
/// are available both here (same names as in Node's single options object) and in <see cref="Engine"/>.
/// </summary>
public sealed class SocketIOOptions
{
    /// <summary>The underlying Engine.IO options; <see cref="EngineIOOptions.Path"/> defaults to <c>/socket.io/</c>.</summary>
    public EngineIOOptions Engine { get; } = new() { Path = "/socket.io/" };

    /// <summary>Path the server is mapped to. Default <c>/socket.io/</c>.</summary>
    public string Path { get => Engine.Path; set => Engine.Path = value; }

    /// <summary>Heartbeat interval. Default 25 s.</summary>
    public TimeSpan PingInterval { get => Engine.PingInterval; set => Engine.PingInterval = value; }

    /// <summary>Heartbeat timeout. Default 20 s.</summary>
    public TimeSpan PingTimeout { get => Engine.PingTimeout; set => Engine.PingTimeout = value; }

    /// <summary>Transport upgrade timeout. Default 10 s.</summary>
    public TimeSpan UpgradeTimeout { get => Engine.UpgradeTimeout; set => Engine.UpgradeTimeout = value; }

    /// <summary>Largest message accepted, in bytes. Default 1,000,000.</summary>
    public long MaxHttpBufferSize { get => Engine.MaxHttpBufferSize; set => Engine.MaxHttpBufferSize = value; }

    /// <summary>Transports accepted.</summary>
    public EngineTransports Transports { get => Engine.Transports; set => Engine.Transports = value; }

    /// <summary>Whether long-polling may upgrade to WebSocket.</summary>
    public bool AllowUpgrades { get => Engine.AllowUpgrades; set => Engine.AllowUpgrades = value; }

    /// <summary>Decides whether a handshake is accepted (403 otherwise).</summary>
    public Func<HttpContext, ValueTask<bool>>? AllowRequest { get => Engine.AllowRequest; set => Engine.AllowRequest = value; }

    /// <summary>Cross-origin settings.</summary>
    public EngineCorsOptions? Cors { get => Engine.Cors; set => Engine.Cors = value; }

    /// <summary>The session cookie.</summary>
    public EngineCookieOptions? Cookie { get => Engine.Cookie; set => Engine.Cookie = value; }

    /// <summary>Compression of long-polling responses.</summary>
    public EngineHttpCompressionOptions? HttpCompression { get => Engine.HttpCompression; set => Engine.HttpCompression = value; }

    /// <summary>WebSocket compression (permessage-deflate); null (the default) turns it off.</summary>
    public EnginePerMessageDeflateOptions? PerMessageDeflate { get => Engine.PerMessageDeflate; set => Engine.PerMessageDeflate = value; }

    /// <summary>Most bytes waiting to be sent to one client before it is dropped. Default 10 MB.</summary>
    public long MaxSendBufferSize { get => Engine.MaxSendBufferSize; set => Engine.MaxSendBufferSize = value; }

    /// <summary>Most packets waiting to be sent to one client before it is dropped. Default 10,000.</summary>
    public int MaxSendBufferPackets { get => Engine.MaxSendBufferPackets; set => Engine.MaxSendBufferPackets = value; }

    /// <summary>Most Engine.IO connections open at once (HTTP 503 beyond); null for no limit. Default 10,000.</summary>
    public int? MaxConnections { get => Engine.MaxConnections; set => Engine.MaxConnections = value; }

    /// <summary>Most handshakes per client address per second (HTTP 429 beyond); null for no limit. Default 100.</summary>
    public int? MaxConnectionAttemptsPerIpPerSecond { get => Engine.MaxConnectionAttemptsPerIpPerSecond; set => Engine.MaxConnectionAttemptsPerIpPerSecond = value; }

    /// <summary>How long a connection may stay without joining a namespace. Default 45 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMilliseconds(45000);

    /// <summary>Removes a dynamic namespace's child once its last socket leaves. Default false.</summary>
    public bool CleanupEmptyChildNamespaces { get; set; }

    /// <summary>Serves the client bundle at <c>{Path}socket.io.js</c> and siblings. Default true.</summary>
    public bool ServeClient { get; set; } = true;

    /// <summary>
    /// How event arguments are serialised and deserialised. Default: System.Text.Json's web
    /// defaults (camelCase properties). Binary values become attachments whatever the settings.
    /// </summary>
    public JsonSerializerOptions? JsonSerializerOptions { get; set; }

    /// <summary>Limits applied to incoming packets (attachments per packet, JSON depth).</summary>
    public SocketIODecoderOptions DecoderOptions { get; set; } = new();

    /// <summary>
    /// Connection state recovery; null (the default, as in Node) disables it. When set, CONNECT
    /// replies carry a private session id and recoverable packets an offset.
    /// </summary>
    public ConnectionStateRecoveryOptions? ConnectionStateRecovery { get; set; }

    /// <summary>
    /// Most namespaces one connection may join (CONNECTs still under way included). A CONNECT
    /// beyond it is answered with a CONNECT_ERROR whose message is <c>"Too many namespaces"</c>;
    /// the connection and its other namespaces are not affected. Default 100. Not in Node.
    /// </summary>
    public int MaxNamespacesPerConnection
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 100;

    /// <summary>Creates each namespace's adapter; null uses <see cref="InMemoryAdapter"/>.</summary>
    public Func<Namespace, Adapter>? AdapterFactory { get; set; }
}
