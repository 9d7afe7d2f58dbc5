namespace Synapse.SocketIO.Engine;

/// <summary>
/// One timer for the heartbeats of every session of a server (when to ping, when a pong is overdue,
/// when a long-polling close gives up), instead of a <see cref="Timer"/> per session: a timer costs
/// about 150 bytes for as long as the session lives (benchmark S1: memory per idle connection),
/// while here a session is a node of an intrusive list (its <c>Heartbeat*</c> fields).
/// </summary>
/// <remarks>
/// Sessions wait in lanes, one per delay (<see cref="EngineIOOptions.PingInterval"/>,
/// <see cref="EngineIOOptions.PingTimeout"/>, <see cref="EngineIOOptions.PollingCloseTimeout"/>):
/// a deadline is "now + the lane's delay", taken under the lock, so appending at a lane's tail keeps
/// it sorted, and scheduling, rescheduling and cancelling are O(1). The timer is armed for the
/// earliest head. Expired sessions are handed to the thread pool one by one, as their own timers'
/// callbacks were, so that one session's close handlers never delay another's heartbeat.
/// Lock order: a session's own lock, then this one; nothing is called out under this lock.
/// </remarks>
internal sealed class HeartbeatScheduler
{
    // A deadline this close is due: System.Threading timers may fire a little early, and
    // EngineSocket ignores a callback only when its deadline is further away than this.
    internal const long ToleranceMs = 5;

    private readonly object _sync = new();
    private readonly Timer _timer;
    private Lane[] _lanes = [];
    // When the timer is set to fire (Environment.TickCount64), long.MaxValue when it is not.
    private long _armedFor = long.MaxValue;

    public HeartbeatScheduler()
    {
        _timer = new Timer(static state => ((HeartbeatScheduler)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>
    /// Schedules <paramref name="socket"/>'s heartbeat callback in <paramref name="delay"/>, replacing
    /// whatever it had scheduled. The deadline is in <see cref="EngineSocket.HeartbeatDue"/>.
    /// Callers hold the session's lock.
    /// </summary>
    public void Schedule(EngineSocket socket, TimeSpan delay)
    {
        var delayMs = Math.Max(0, (long)delay.TotalMilliseconds);
        lock (_sync)
        {
            Unlink(socket);
            var lane = LaneFor(delayMs);
            var due = Environment.TickCount64 + delayMs;
            socket.HeartbeatDue = due;
            socket.HeartbeatLane = lane;
            socket.HeartbeatPrev = lane.Tail;
            socket.HeartbeatNext = null;
            if (lane.Tail is { } tail)
            {
                tail.HeartbeatNext = socket;
            }
            else
            {
                lane.Head = socket;
            }

            lane.Tail = socket;
            if (due < _armedFor)
            {
                Arm(due);
            }
        }
    }

    /// <summary>Forgets <paramref name="socket"/>'s scheduled callback, if any (its session closed).</summary>
    public void Cancel(EngineSocket socket)
    {
        lock (_sync)
        {
            Unlink(socket);
        }
    }

    /// <summary>How many sessions wait (tests).</summary>
    internal int Count
    {
        get
        {
            lock (_sync)
            {
                var count = 0;
                foreach (var lane in _lanes)
                {
                    for (var s = lane.Head; s is not null; s = s.HeartbeatNext)
                    {
                        count++;
                    }
                }

                return count;
            }
        }
    }

    private void OnTimer()
    {
        List<EngineSocket>? expired = null;
        lock (_sync)
        {
            _armedFor = long.MaxValue;
            var now = Environment.TickCount64;
            var next = long.MaxValue;
            foreach (var lane in _lanes)
            {
                while (lane.Head is { } head && head.HeartbeatDue <= now + ToleranceMs)
                {
                    Unlink(head);
                    (expired ??= new()).Add(head);
                }

                if (lane.Head is { } waiting && waiting.HeartbeatDue < next)
                {
                    next = waiting.HeartbeatDue;
                }
            }

            if (next != long.MaxValue)
            {
                Arm(next);
            }
        }

        if (expired is not null)
        {
            foreach (var socket in expired)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static socket => socket.OnHeartbeatTimer(), socket, preferLocal: false);
            }
        }
    }

    // Callers hold _sync.
    private void Arm(long due)
    {
        _armedFor = due;
        // A deadline beyond a timer's range fires early, finds nothing due and re-arms.
        var wait = Math.Clamp(due - Environment.TickCount64, 0, 0xfffffffeL);
        _timer.Change(wait, Timeout.Infinite);
    }

    // Callers hold _sync. Mostly one to three lanes: a scan beats a dictionary.
    private Lane LaneFor(long delayMs)
    {
        foreach (var lane in _lanes)
        {
            if (lane.DelayMs == delayMs)
            {
                return lane;
            }
        }

        var created = new Lane(delayMs);
        _lanes = [.. _lanes, created];
        return created;
    }

    // Callers hold _sync.
    private static void Unlink(EngineSocket socket)
    {
        if (socket.HeartbeatLane is not { } lane)
        {
            return;
        }

        if (socket.HeartbeatPrev is { } prev)
        {
            prev.HeartbeatNext = socket.HeartbeatNext;
        }
        else
        {
            lane.Head = socket.HeartbeatNext;
        }

        if (socket.HeartbeatNext is { } next)
        {
            next.HeartbeatPrev = socket.HeartbeatPrev;
        }
        else
        {
            lane.Tail = socket.HeartbeatPrev;
        }

        socket.HeartbeatPrev = null;
        socket.HeartbeatNext = null;
        socket.HeartbeatLane = null;
    }

    /// <summary>The sessions waiting for one delay, earliest deadline first.</summary>
    internal sealed class Lane(long delayMs)
    {
        public long DelayMs { get; } = delayMs;

        public EngineSocket? Head { get; set; }

        public EngineSocket? Tail { get; set; }
    }
}
