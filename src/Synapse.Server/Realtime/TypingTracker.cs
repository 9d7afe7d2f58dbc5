using Microsoft.Extensions.Options;

namespace Synapse.Server.Realtime;

/// <summary>
/// Who is typing where. A state lasts <see cref="RealtimeOptions.TypingTimeout"/> unless refreshed
/// by another <c>typing:start</c>; then <see cref="Expired"/> fires once.
/// </summary>
public sealed class TypingTracker : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<(string UserId, string RoomId), Entry> _entries = [];
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    /// <summary>Creates the tracker.</summary>
    public TypingTracker(IOptions<RealtimeOptions> options, TimeProvider time)
    {
        _timeout = options.Value.TypingTimeout;
        _time = time;
    }

    /// <summary>Raised (on a timer thread) when a typing state expired.</summary>
    public event Action<TypingState>? Expired;

    /// <summary>Starts or refreshes a typing state, attributed to the socket that reported it.</summary>
    public void Start(TypingState state, string socketId)
    {
        lock (_gate)
        {
            var key = (state.UserId, state.RoomId);
            if (_entries.TryGetValue(key, out var entry))
            {
                entry.SocketId = socketId;
                entry.Deadline = _time.GetUtcNow() + _timeout;
                entry.Timer.Change(_timeout, Timeout.InfiniteTimeSpan);
                return;
            }

            entry = new Entry(state, socketId) { Deadline = _time.GetUtcNow() + _timeout };
            entry.Timer = _time.CreateTimer(static s => ((Entry)s!).Owner!.Expire((Entry)s), entry, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            entry.Owner = this;
            _entries[key] = entry;
            entry.Timer.Change(_timeout, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Ends a typing state; true when there was one.</summary>
    public bool Stop(string userId, string roomId)
    {
        lock (_gate)
        {
            if (!_entries.Remove((userId, roomId), out var entry))
            {
                return false;
            }

            entry.Timer.Dispose();
            return true;
        }
    }

    /// <summary>Ends every typing state last reported by a socket (it disconnected) and returns them.</summary>
    public IReadOnlyList<TypingState> StopAllOfSocket(string socketId)
    {
        lock (_gate)
        {
            var ended = _entries.Values.Where(e => e.SocketId == socketId).ToArray();
            foreach (var entry in ended)
            {
                _entries.Remove((entry.State.UserId, entry.State.RoomId));
                entry.Timer.Dispose();
            }

            return ended.Select(e => e.State).ToArray();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
            {
                entry.Timer.Dispose();
            }

            _entries.Clear();
        }
    }

    private void Expire(Entry entry)
    {
        lock (_gate)
        {
            var key = (entry.State.UserId, entry.State.RoomId);
            if (!_entries.TryGetValue(key, out var current) || !ReferenceEquals(current, entry))
            {
                // Stopped or replaced while this callback was on its way.
                return;
            }

            var remaining = entry.Deadline - _time.GetUtcNow();
            if (remaining > TimeSpan.Zero)
            {
                // Refreshed meanwhile, or the timer fired a little early against the wall clock.
                entry.Timer.Change(remaining, Timeout.InfiniteTimeSpan);
                return;
            }

            _entries.Remove(key);
            entry.Timer.Dispose();
        }

        Expired?.Invoke(entry.State);
    }

    private sealed class Entry(TypingState state, string socketId)
    {
        public TypingState State { get; } = state;

        public string SocketId { get; set; } = socketId;

        public ITimer Timer { get; set; } = null!;

        public DateTimeOffset Deadline { get; set; }

        public TypingTracker? Owner { get; set; }
    }
}

/// <summary>Someone typing in a room.</summary>
/// <param name="UserId">Who.</param>
/// <param name="UserName">Their user name.</param>
/// <param name="RoomId">Where.</param>
public sealed record TypingState(string UserId, string UserName, string RoomId);
