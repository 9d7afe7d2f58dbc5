using System.Diagnostics.Metrics;

namespace Synapse.SocketIO.Diagnostics;

/// <summary>
/// The server's instruments on the <c>Synapse.SocketIO</c> meter (read them with
/// <c>dotnet-counters</c> or OpenTelemetry). Recording costs almost nothing while nobody listens.
/// </summary>
public sealed class SocketIOMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Synapse.SocketIO";

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _connectedSockets;
    private readonly Counter<long> _packetsReceived;
    private readonly Counter<long> _packetsSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _broadcasts;
    private readonly Counter<long> _volatileDropped;
    private readonly Counter<long> _sendBufferFull;
    private readonly Counter<long> _connectionsRefused;

    /// <summary>Creates the instruments.</summary>
    public SocketIOMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _connectedSockets = _meter.CreateUpDownCounter<long>("socketio.sockets.connected", description: "Sockets connected to a namespace.");
        _packetsReceived = _meter.CreateCounter<long>("socketio.packets.received", description: "Socket.IO packets received from clients (CONNECT, EVENT, ACK, DISCONNECT; a binary packet counts once).");
        _packetsSent = _meter.CreateCounter<long>("socketio.packets.sent", description: "Packets queued to clients (each broadcast delivery counts).");
        _bytesReceived = _meter.CreateCounter<long>("socketio.bytes.received", unit: "By", description: "Engine.IO message bytes received.");
        _bytesSent = _meter.CreateCounter<long>("socketio.bytes.sent", unit: "By", description: "Encoded packet bytes queued to clients.");
        _broadcasts = _meter.CreateCounter<long>("socketio.broadcasts", description: "Broadcasts started.");
        _volatileDropped = _meter.CreateCounter<long>("socketio.packets.volatile_dropped", description: "Volatile packets dropped for busy clients.");
        _sendBufferFull = _meter.CreateCounter<long>("socketio.connections.send_buffer_full", description: "Connections closed because they fell too far behind (MaxSendBufferSize or MaxSendBufferPackets).");
        _connectionsRefused = _meter.CreateCounter<long>("socketio.connections.refused", description: "Engine.IO requests refused, tagged with the error code (server_full, too_many_requests, ...).");
    }

    /// <summary>Whether anyone listens to the per-packet instruments (skips the byte count otherwise).</summary>
    internal bool Enabled => _packetsSent.Enabled || _bytesSent.Enabled;

    internal void SocketConnected() => _connectedSockets.Add(1);

    internal void SocketDisconnected() => _connectedSockets.Add(-1);

    internal void PacketReceived() => _packetsReceived.Add(1);

    internal void PacketSent(long bytes)
    {
        _packetsSent.Add(1);
        _bytesSent.Add(bytes);
    }

    internal void BytesReceived(int count) => _bytesReceived.Add(count);

    internal void Broadcast() => _broadcasts.Add(1);

    internal void VolatileDropped() => _volatileDropped.Add(1);

    internal void SendBufferFull() => _sendBufferFull.Add(1);

    internal void ConnectionRefused(Engine.EngineErrorCode code) =>
        _connectionsRefused.Add(1, new KeyValuePair<string, object?>("error.code", ErrorCodeTag(code)));

    private static string ErrorCodeTag(Engine.EngineErrorCode code) => code switch
    {
        Engine.EngineErrorCode.UnknownTransport => "unknown_transport",
        Engine.EngineErrorCode.UnknownSid => "unknown_sid",
        Engine.EngineErrorCode.BadHandshakeMethod => "bad_handshake_method",
        Engine.EngineErrorCode.BadRequest => "bad_request",
        Engine.EngineErrorCode.Forbidden => "forbidden",
        Engine.EngineErrorCode.UnsupportedProtocolVersion => "unsupported_protocol_version",
        Engine.EngineErrorCode.ServerFull => "server_full",
        Engine.EngineErrorCode.TooManyRequests => "too_many_requests",
        _ => "other",
    };

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
