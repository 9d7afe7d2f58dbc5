using System.Globalization;

namespace Synapse.SocketIO.Adapters;

/// <summary>
/// The in-memory adapter's recovery state: the disconnected sessions and the log of recoverable
/// packets, numbered 1, 2, 3… (the offsets). Both are bounded: by the recovery window, by
/// <see cref="ConnectionStateRecoveryOptions.MaxSessions"/>, and by
/// <see cref="ConnectionStateRecoveryOptions.MaxPackets"/> and <see cref="ConnectionStateRecoveryOptions.MaxPacketBytes"/>.
/// </summary>
internal sealed class InMemorySessionStore : IDisposable
{
    private readonly object _sync = new();
    private readonly ConnectionStateRecoveryOptions _options;
    private readonly Action<PersistedSession> _expired;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, LinkedListNode<PersistedSession>> _sessions = new(StringComparer.Ordinal);
    private readonly LinkedList<PersistedSession> _sessionsByAge = new();
    private readonly Queue<Entry> _packets = new();
    private readonly ITimer _sweeper;
    private long _lastSeq;
    private long _evictedThrough;
    private long _bytes;

    public InMemorySessionStore(ConnectionStateRecoveryOptions options, Action<PersistedSession> expired, TimeProvider? time = null)
    {
        _options = options;
        _expired = expired;
        _time = time ?? TimeProvider.System;
        // Sessions must expire close to their deadline (the application is told), without a
        // busy timer for long windows.
        var period = TimeSpan.FromTicks(Math.Clamp(options.MaxDisconnectionDuration.Ticks / 10, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(5).Ticks));
        _sweeper = _time.CreateTimer(static state => ((InMemorySessionStore)state!).Sweep(), this, period, period);
    }

    /// <summary>The offset of the newest packet logged ("0" before the first).</summary>
    public string LatestOffset
    {
        get
        {
            lock (_sync)
            {
                return _lastSeq.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    public int SessionCount
    {
        get
        {
            lock (_sync)
            {
                return _sessions.Count;
            }
        }
    }

    public int PacketCount
    {
        get
        {
            lock (_sync)
            {
                return _packets.Count;
            }
        }
    }

    /// <summary>Reserves the next offset. The caller logs the packet with <see cref="Add"/> before reserving another.</summary>
    public string NextOffset()
    {
        lock (_sync)
        {
            return (++_lastSeq).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Logs a packet (its data already ends with its offset), dropping the oldest beyond the bounds.</summary>
    public void Add(string offset, OutgoingPacket packet, BroadcastOptions options, long size)
    {
        var seq = long.Parse(offset, CultureInfo.InvariantCulture);
        lock (_sync)
        {
            _packets.Enqueue(new Entry(seq, packet, options, _time.GetUtcNow(), size));
            _bytes += size;
            while (_packets.Count > 0 && (_packets.Count > _options.MaxPackets || _bytes > _options.MaxPacketBytes))
            {
                DropOldestPacket();
            }
        }
    }

    public void Persist(PersistedSession session)
    {
        PersistedSession? evicted = null;
        lock (_sync)
        {
            if (_sessions.Remove(session.Pid, out var previous))
            {
                _sessionsByAge.Remove(previous);
            }

            if (_sessions.Count >= Math.Max(1, _options.MaxSessions) && _sessionsByAge.First is { } oldest)
            {
                evicted = oldest.Value;
                _sessionsByAge.RemoveFirst();
                _sessions.Remove(evicted.Pid);
            }

            _sessions[session.Pid] = _sessionsByAge.AddLast(session with { DisconnectedAt = _time.GetUtcNow() });
        }

        if (evicted is not null)
        {
            _expired(evicted);
        }
    }

    /// <summary>Takes a session if it is in time and the packets after its offset are all still logged.</summary>
    public PersistedSession? Take(string pid, string? offset)
    {
        PersistedSession? failed = null;
        try
        {
            lock (_sync)
            {
                if (!_sessions.Remove(pid, out var node))
                {
                    return null;
                }

                _sessionsByAge.Remove(node);
                var session = node.Value;
                var effective = offset ?? session.Offset ?? "0";
                if (_time.GetUtcNow() - session.DisconnectedAt > _options.MaxDisconnectionDuration || !IsKept(effective))
                {
                    failed = session;
                    return null;
                }

                return session with { Offset = effective };
            }
        }
        finally
        {
            if (failed is not null)
            {
                _expired(failed);
            }
        }
    }

    public IReadOnlyList<OutgoingPacket>? PacketsAfter(PersistedSession session)
    {
        lock (_sync)
        {
            if (session.Offset is not { } offset || !IsKept(offset))
            {
                return null;
            }

            var after = long.Parse(offset, CultureInfo.InvariantCulture);
            var missed = new List<OutgoingPacket>();
            foreach (var entry in _packets)
            {
                if (entry.Seq > after && Adapter.Reaches(entry.Options, session.Rooms))
                {
                    missed.Add(entry.Packet);
                }
            }

            return missed;
        }
    }

    public void Dispose() => _sweeper.Dispose();

    // Callers hold _sync. Every packet after the offset is still here when nothing after it was dropped.
    private bool IsKept(string offset) =>
        long.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq >= _evictedThrough && seq <= _lastSeq;

    // Callers hold _sync.
    private void DropOldestPacket()
    {
        var dropped = _packets.Dequeue();
        _bytes -= dropped.Size;
        _evictedThrough = dropped.Seq;
    }

    private void Sweep()
    {
        List<PersistedSession>? expired = null;
        lock (_sync)
        {
            var threshold = _time.GetUtcNow() - _options.MaxDisconnectionDuration;
            while (_sessionsByAge.First is { } oldest && oldest.Value.DisconnectedAt < threshold)
            {
                _sessionsByAge.RemoveFirst();
                _sessions.Remove(oldest.Value.Pid);
                (expired ??= new()).Add(oldest.Value);
            }

            while (_packets.Count > 0 && _packets.Peek().EmittedAt < threshold)
            {
                DropOldestPacket();
            }
        }

        if (expired is not null)
        {
            foreach (var session in expired)
            {
                _expired(session);
            }
        }
    }

    private readonly record struct Entry(long Seq, OutgoingPacket Packet, BroadcastOptions Options, DateTimeOffset EmittedAt, long Size);
}
