using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Engine.Transports;

namespace Synapse.SocketIO.Engine;

/// <summary>
/// One Engine.IO session: a client known by its session id, reachable over whichever transport it
/// uses now. <see cref="Send(EnginePacket)"/> never blocks and may be called from any thread; the
/// packets queue up and the transport writes everything queued in one go. The queue is bounded
/// (<see cref="EngineIOOptions.MaxSendBufferSize"/>, <see cref="EngineIOOptions.MaxSendBufferPackets"/>):
/// a client that falls further behind is closed with <see cref="EngineCloseReason.SendBufferFull"/>.
/// </summary>
public sealed partial class EngineSocket
{
    private readonly object _sync = new();
    private readonly EngineServer _server;
    private List<EnginePacket> _writeBuffer = new();
    // What waits for the client: the queue plus the batch a transport is writing. Under _sync.
    private long _pendingBytes;
    private int _pendingPackets;
    private EngineTransport _transport;
    private EngineReadyState _state = EngineReadyState.Open;
    private HeartbeatPhase _phase;
    private string _closeReason = EngineCloseReason.ForcedClose;
    private WebSocketTransport? _probing;
    private bool _probed;
    private Timer? _upgradeTimer;

    internal EngineSocket(EngineServer server, string id, EngineHandshake handshake, EngineTransport transport)
    {
        _server = server;
        Id = id;
        Handshake = handshake;
        _transport = transport;
    }

    private enum HeartbeatPhase
    {
        WaitingToPing,
        WaitingForPong,
        Closing,
    }

    // This session's place in its server's HeartbeatScheduler (one timer for all sessions rather
    // than one per session); written under both this session's lock and the scheduler's.
    internal long HeartbeatDue;
    internal EngineSocket? HeartbeatPrev;
    internal EngineSocket? HeartbeatNext;
    internal HeartbeatScheduler.Lane? HeartbeatLane;

    /// <summary>The session id (the <c>sid</c> query parameter).</summary>
    public string Id { get; }

    /// <summary>What the handshake request carried.</summary>
    public EngineHandshake Handshake { get; }

    // The server's logger for sessions: a field per session would be 8 bytes more for each (benchmark S1).
    private ILogger Logger => _server.SocketLogger;

    /// <summary>Where the session is in its life cycle.</summary>
    public EngineReadyState ReadyState
    {
        get
        {
            lock (_sync)
            {
                return _state;
            }
        }
    }

    /// <summary>The transport in use now: <c>polling</c> or <c>websocket</c>.</summary>
    public string Transport => Volatile.Read(ref _transport).Name;

    /// <summary>Whether the session moved from long-polling to WebSocket.</summary>
    public bool IsUpgraded { get; private set; }

    /// <summary>
    /// Called before <see cref="Message"/> and <see cref="Closed"/>'s handlers; set once, before the
    /// session's first message (the Socket.IO layer, when the session opens).
    /// </summary>
    internal IEngineSocketListener? Listener { get; set; }

    /// <summary>Raised for every message the client sends, in order, on the transport's reading thread.</summary>
    public event Action<EngineSocket, EngineMessage>? Message
    {
        add => Events.Message += value;
        remove => _events?.Message -= value;
    }

    /// <summary>Raised once when the session closes, with Node's reason string (<see cref="EngineCloseReason"/>).</summary>
    public event Action<EngineSocket, string, Exception?>? Closed
    {
        add => Events.Closed += value;
        remove => _events?.Closed -= value;
    }

    /// <summary>Raised when the session completed its upgrade to WebSocket.</summary>
    public event Action<EngineSocket>? Upgraded
    {
        add => Events.Upgraded += value;
        remove => _events?.Upgraded -= value;
    }

    /// <summary>Raised when the transport has written everything that was queued.</summary>
    public event Action<EngineSocket>? Drained
    {
        add => Events.Drained += value;
        remove => _events?.Drained -= value;
    }

    /// <summary>Raised when the client answers a ping.</summary>
    public event Action<EngineSocket>? Heartbeat
    {
        add => Events.Heartbeat += value;
        remove => _events?.Heartbeat -= value;
    }

    // The events' handlers, in one object created by the first subscription: under Socket.IO
    // (whose Client is the Listener) most sessions have none, and five fields would be 40 bytes
    // on every session (benchmark S1: memory per idle connection).
    private SessionEvents? _events;

    private SessionEvents Events
    {
        get
        {
            var events = Volatile.Read(ref _events);
            if (events is null)
            {
                var created = new SessionEvents();
                events = Interlocked.CompareExchange(ref _events, created, null) ?? created;
            }

            return events;
        }
    }

    /// <summary>
    /// Queues a packet. Dropped silently once the session is closing or closed. If the client is
    /// already too far behind, the session is closed with <see cref="EngineCloseReason.SendBufferFull"/>
    /// (on another thread: the caller may be iterating over a room this client is about to leave).
    /// </summary>
    public void Send(EnginePacket packet) => Send(packet, compress: true);

    /// <summary>
    /// Queues a packet; <paramref name="compress"/> false sends it uncompressed whatever its size
    /// (Node's <c>compress</c> send option; it matters with <see cref="EngineIOOptions.PerMessageDeflate"/>
    /// and <see cref="EngineIOOptions.HttpCompression"/>).
    /// </summary>
    public void Send(EnginePacket packet, bool compress)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!compress)
        {
            packet = packet.Uncompressed;
        }

        EngineTransport transport;
        lock (_sync)
        {
            if (_state != EngineReadyState.Open)
            {
                return;
            }

            if (WouldOverflow(1, packet.Encoded.Length))
            {
                transport = Overflow();
            }
            else
            {
                Enqueue(packet);
                transport = _transport;
            }
        }

        transport.Wake();
    }

    /// <summary>
    /// Queues several packets as one unit: no other packet can land between them (a Socket.IO
    /// binary packet is a text message followed by its attachments).
    /// </summary>
    internal void Send(IReadOnlyList<EnginePacket> packets, bool compress = true)
    {
        EngineTransport transport;
        lock (_sync)
        {
            if (_state != EngineReadyState.Open)
            {
                return;
            }

            long bytes = 0;
            for (var i = 0; i < packets.Count; i++)
            {
                bytes += packets[i].Encoded.Length;
            }

            if (WouldOverflow(packets.Count, bytes))
            {
                transport = Overflow();
            }
            else
            {
                for (var i = 0; i < packets.Count; i++)
                {
                    Enqueue(compress ? packets[i] : packets[i].Uncompressed);
                }

                transport = _transport;
            }
        }

        transport.Wake();
    }

    /// <summary>Queues a text message.</summary>
    public void Send(string text) => Send(EnginePacket.TextMessage(text));

    /// <summary>Queues a binary message. The memory must not change until it has been written.</summary>
    public void Send(ReadOnlyMemory<byte> data) => Send(EnginePacket.BinaryMessage(data));

    /// <summary>
    /// Closes the session after flushing what is already queued; <see cref="Closed"/> follows
    /// with reason <c>forced close</c>.
    /// </summary>
    public void Close() => BeginClose(EngineCloseReason.ForcedClose);

    internal int QueuedPackets
    {
        get
        {
            lock (_sync)
            {
                return _writeBuffer.Count;
            }
        }
    }

    internal bool IsClosing
    {
        get
        {
            lock (_sync)
            {
                return _state == EngineReadyState.Closing;
            }
        }
    }

    /// <summary>Whether a probe arrived on a WebSocket: pending polls are released with a noop.</summary>
    internal bool IsProbed
    {
        get
        {
            lock (_sync)
            {
                return _probed;
            }
        }
    }

    /// <summary>
    /// Whether a packet sent now would go out at once rather than wait: nothing queued, nothing
    /// being written (a WebSocket busy with a batch, a poll response under way) and a transport
    /// that can write. Volatile packets are dropped otherwise.
    /// </summary>
    internal bool CanWriteNow
    {
        get
        {
            lock (_sync)
            {
                return _state == EngineReadyState.Open && _pendingPackets == 0 && _transport.IsWritable;
            }
        }
    }

    /// <summary>Bytes waiting for the client: queued, plus the batch being written.</summary>
    internal long PendingBytes
    {
        get
        {
            lock (_sync)
            {
                return _pendingBytes;
            }
        }
    }

    internal EngineTransport CurrentTransport => Volatile.Read(ref _transport);

    /// <summary>The permessage-deflate state of the WebSocket in use, if it negotiated the extension.</summary>
    internal PerMessageDeflate? PerMessageDeflate => (CurrentTransport as WebSocketTransport)?.Deflate;

    internal bool IsActive(EngineTransport transport) => ReferenceEquals(Volatile.Read(ref _transport), transport);

    internal void Open(string handshakeJson)
    {
        lock (_sync)
        {
            Enqueue(EnginePacket.Text(EnginePacketType.Open, handshakeJson));
            Schedule(HeartbeatPhase.WaitingToPing, _server.Options.PingInterval);
        }
    }

    internal void BeginClose(string reason)
    {
        EngineTransport transport;
        lock (_sync)
        {
            if (_state != EngineReadyState.Open)
            {
                return;
            }

            _state = EngineReadyState.Closing;
            _closeReason = reason;
            transport = _transport;
            if (transport is PollingTransport)
            {
                // Long-polling can only tell the client with a close packet in a GET response;
                // give the client PollingCloseTimeout to come and fetch it.
                Enqueue(EnginePacket.Close);
                Schedule(HeartbeatPhase.Closing, _server.Options.PollingCloseTimeout);
            }
        }

        transport.Wake();
    }

    /// <summary>Called by a transport once the close it was asked for has been delivered.</summary>
    internal void OnCloseDelivered() => OnClose(_closeReason);

    /// <summary>
    /// Swaps the queued packets into <paramref name="batch"/> (an empty list the transport owns),
    /// so taking a batch allocates nothing. False when <paramref name="transport"/> is not the
    /// active one or nothing is queued.
    /// </summary>
    internal bool TryTakeBatch(EngineTransport transport, ref List<EnginePacket> batch)
    {
        lock (_sync)
        {
            if (!ReferenceEquals(transport, _transport) || _writeBuffer.Count == 0 || _state == EngineReadyState.Closed)
            {
                return false;
            }

            (_writeBuffer, batch) = (batch, _writeBuffer);
            return true;
        }
    }

    /// <summary>A transport wrote <paramref name="batch"/> (taken with <see cref="TryTakeBatch"/>) to the connection.</summary>
    internal void OnBatchWritten(List<EnginePacket> batch)
    {
        lock (_sync)
        {
            if (_state != EngineReadyState.Closed)
            {
                long bytes = 0;
                for (var i = 0; i < batch.Count; i++)
                {
                    bytes += batch[i].Encoded.Length;
                }

                _pendingBytes = Math.Max(0, _pendingBytes - bytes);
                _pendingPackets = Math.Max(0, _pendingPackets - batch.Count);
            }
        }

        var handler = _events?.DrainedHandlers;
        if (handler is not null && QueuedPackets == 0)
        {
            Invoke(handler, static (h, s) => h(s));
        }
    }

    /// <summary>A packet arrived on the active transport.</summary>
    internal void OnPacket(EnginePacketType type, ReadOnlyMemory<byte> data, bool isBinary)
    {
        if (ReadyState != EngineReadyState.Open)
        {
            return;
        }

        switch (type)
        {
            case EnginePacketType.Message:
                var message = new EngineMessage(isBinary, data);
                if (Listener is { } listener)
                {
                    try
                    {
                        listener.OnMessage(this, message);
                    }
                    catch (Exception ex)
                    {
                        Log.HandlerFailed(Logger, Id, "message", ex);
                    }
                }

                var handler = _events?.MessageHandlers;
                if (handler is not null)
                {
                    try
                    {
                        handler(this, message);
                    }
                    catch (Exception ex)
                    {
                        Log.HandlerFailed(Logger, Id, "message", ex);
                    }
                }

                break;
            case EnginePacketType.Pong:
                lock (_sync)
                {
                    if (_state == EngineReadyState.Open)
                    {
                        Schedule(HeartbeatPhase.WaitingToPing, _server.Options.PingInterval);
                    }
                }

                var heartbeat = _events?.HeartbeatHandlers;
                if (heartbeat is not null)
                {
                    Invoke(heartbeat, static (h, s) => h(s));
                }

                break;
            case EnginePacketType.Ping:
                // In protocol v4 only the server pings.
                OnClose(EngineCloseReason.TransportError, new InvalidOperationException("invalid heartbeat direction"));
                break;
            case EnginePacketType.Close:
                OnClose(EngineCloseReason.TransportClose, clientInitiated: true);
                break;
            default:
                // open, upgrade and noop mean nothing on an established transport.
                break;
        }
    }

    internal bool TryBeginUpgrade(WebSocketTransport probe)
    {
        lock (_sync)
        {
            if (_state != EngineReadyState.Open || _transport is not PollingTransport || _probing is not null)
            {
                return false;
            }

            _probing = probe;
            _upgradeTimer = new Timer(
                static state =>
                {
                    var (socket, transport) = ((EngineSocket, WebSocketTransport))state!;
                    if (socket.AbortUpgrade(transport))
                    {
                        transport.Shutdown(clientInitiated: false);
                    }
                },
                (this, probe),
                _server.Options.UpgradeTimeout,
                Timeout.InfiniteTimeSpan);
            return true;
        }
    }

    internal void OnProbe(WebSocketTransport probe)
    {
        EngineTransport transport;
        lock (_sync)
        {
            if (!ReferenceEquals(_probing, probe))
            {
                return;
            }

            _probed = true;
            transport = _transport;
        }

        // Releases a pending GET with a noop so the client can pause polling.
        transport.Wake();
    }

    internal bool CompleteUpgrade(WebSocketTransport probe)
    {
        EngineTransport previous;
        lock (_sync)
        {
            if (!ReferenceEquals(_probing, probe) || _state == EngineReadyState.Closed)
            {
                return false;
            }

            previous = _transport;
            Volatile.Write(ref _transport, probe);
            _probing = null;
            _probed = false;
            _upgradeTimer?.Dispose();
            _upgradeTimer = null;
            IsUpgraded = true;
            if (_state == EngineReadyState.Closing)
            {
                // The polling close packet is meaningless on WebSocket: the frame-level close replaces it.
                var removed = _writeBuffer.RemoveAll(static p => ReferenceEquals(p, EnginePacket.Close));
                _pendingPackets -= removed;
                _pendingBytes -= removed * EnginePacket.Close.Encoded.Length;
            }
        }

        previous.Shutdown(clientInitiated: true);
        var handler = _events?.UpgradedHandlers;
        if (handler is not null)
        {
            Invoke(handler, static (h, s) => h(s));
        }

        probe.Wake();
        return true;
    }

    /// <summary>Forgets a probe that failed or timed out; true if it was the current one.</summary>
    internal bool AbortUpgrade(WebSocketTransport probe)
    {
        lock (_sync)
        {
            if (!ReferenceEquals(_probing, probe))
            {
                return false;
            }

            _probing = null;
            _probed = false;
            _upgradeTimer?.Dispose();
            _upgradeTimer = null;
            return true;
        }
    }

    /// <summary>Ends the session at once. Idempotent: only the first reason counts.</summary>
    internal void OnClose(string reason, Exception? exception = null, bool clientInitiated = false)
    {
        EngineTransport transport;
        WebSocketTransport? probing;
        lock (_sync)
        {
            if (_state == EngineReadyState.Closed)
            {
                return;
            }

            _state = EngineReadyState.Closed;
            _writeBuffer.Clear();
            _pendingBytes = 0;
            _pendingPackets = 0;
            _server.Heartbeats.Cancel(this);
            _upgradeTimer?.Dispose();
            _upgradeTimer = null;
            transport = _transport;
            probing = _probing;
            _probing = null;
        }

        _server.Remove(this);
        transport.Shutdown(clientInitiated);
        probing?.Shutdown(clientInitiated: false);
        Log.SessionClosed(Logger, Id, reason);
        if (Listener is { } listener)
        {
            try
            {
                listener.OnClosed(this, reason, exception);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(Logger, Id, "close", ex);
            }
        }

        var handler = _events?.ClosedHandlers;
        if (handler is not null)
        {
            try
            {
                handler(this, reason, exception);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(Logger, Id, "close", ex);
            }
        }
    }

    // Callers hold _sync.
    private void Enqueue(EnginePacket packet)
    {
        // The queue and the transport's batch list swap places for every batch, so each keeps the
        // largest capacity it ever needed; a List's first growth is to four slots, more than most
        // idle sessions ever queue at once (the open packet, then the CONNECT reply). Growing from
        // one slot saves 24 bytes per list for them (benchmark S1), and costs a busy session two
        // small arrays once.
        if (_writeBuffer.Capacity == 0)
        {
            _writeBuffer.Capacity = 1;
        }

        _writeBuffer.Add(packet);
        _pendingBytes += packet.Encoded.Length;
        _pendingPackets++;
    }

    // Callers hold _sync. Whatever the limits, one packet (or group) goes out when nothing else waits.
    private bool WouldOverflow(int packets, long bytes)
    {
        var options = _server.Options;
        return _pendingPackets > 0
            && (_pendingBytes + bytes > options.MaxSendBufferSize || _pendingPackets + packets > options.MaxSendBufferPackets);
    }

    // Callers hold _sync (and _state is Open). Frees the queue at once and stops taking packets;
    // the close itself runs on the thread pool, because the caller may be a broadcast iterating
    // over a room that closing this session would change.
    private EngineTransport Overflow()
    {
        Log.SendBufferFull(Logger, Id, _pendingPackets, _pendingBytes);
        _writeBuffer.Clear();
        _state = EngineReadyState.Closing;
        _closeReason = EngineCloseReason.SendBufferFull;
        ThreadPool.UnsafeQueueUserWorkItem(static socket => socket.CloseOverflowed(), this, preferLocal: false);
        return _transport;
    }

    private void CloseOverflowed()
    {
        var transport = CurrentTransport;
        OnClose(EngineCloseReason.SendBufferFull);
        // The transport may be stuck writing to a client that does not read: cut the connection.
        transport.Abort();
    }

    // Callers hold _sync. No allocation per tick: the session is relinked in the server's scheduler.
    private void Schedule(HeartbeatPhase phase, TimeSpan due)
    {
        _phase = phase;
        _server.Heartbeats.Schedule(this, due);
    }

    /// <summary>The scheduler found this session's deadline reached (on a thread-pool thread).</summary>
    internal void OnHeartbeatTimer()
    {
        HeartbeatPhase fired;
        EngineTransport transport;
        lock (_sync)
        {
            // A callback already under way when the timer was re-armed is stale: ignore it.
            if (_state == EngineReadyState.Closed || Environment.TickCount64 + HeartbeatScheduler.ToleranceMs < HeartbeatDue)
            {
                return;
            }

            fired = _phase;
            transport = _transport;
            if (fired == HeartbeatPhase.WaitingToPing)
            {
                if (_state == EngineReadyState.Open)
                {
                    Enqueue(EnginePacket.Ping);
                }

                Schedule(HeartbeatPhase.WaitingForPong, _server.Options.PingTimeout);
            }
        }

        switch (fired)
        {
            case HeartbeatPhase.WaitingToPing:
                transport.Wake();
                break;
            case HeartbeatPhase.WaitingForPong:
                OnClose(EngineCloseReason.PingTimeout);
                break;
            default:
                OnClose(_closeReason);
                break;
        }
    }

    private void Invoke<THandler>(THandler handler, Action<THandler, EngineSocket> invoke)
    {
        try
        {
            invoke(handler, this);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(Logger, Id, typeof(THandler).Name, ex);
        }
    }

    /// <summary>See <see cref="_events"/>. Field-like events: thread-safe add and remove.</summary>
    private sealed class SessionEvents
    {
        public event Action<EngineSocket, EngineMessage>? Message;

        public event Action<EngineSocket, string, Exception?>? Closed;

        public event Action<EngineSocket>? Upgraded;

        public event Action<EngineSocket>? Drained;

        public event Action<EngineSocket>? Heartbeat;

        public Action<EngineSocket, EngineMessage>? MessageHandlers => Message;

        public Action<EngineSocket, string, Exception?>? ClosedHandlers => Closed;

        public Action<EngineSocket>? UpgradedHandlers => Upgraded;

        public Action<EngineSocket>? DrainedHandlers => Drained;

        public Action<EngineSocket>? HeartbeatHandlers => Heartbeat;
    }
}
