using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Synapse.Server.Realtime;

/// <summary>The calls in progress on this server, with their ring timers.</summary>
public sealed class CallRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, Call> _calls = new(StringComparer.Ordinal);
    private readonly TimeSpan _ringTimeout;
    private readonly TimeProvider _time;

    /// <summary>Creates the registry.</summary>
    public CallRegistry(IOptions<RealtimeOptions> options, TimeProvider time)
    {
        _ringTimeout = options.Value.CallRingTimeout;
        _time = time;
    }

    /// <summary>Raised (on a timer thread) when a call rang <see cref="RealtimeOptions.CallRingTimeout"/> without being accepted.</summary>
    public event Action<Call>? RingTimedOut;

    /// <summary>Registers a new call and starts its ring timer.</summary>
    public void Add(Call call)
    {
        _calls[call.Id] = call;
        call.RingTimer = _time.CreateTimer(static s => ((CallRegistry)((object[])s!)[0]).OnRingTimeout((Call)((object[])s!)[1]), new object[] { this, call }, _ringTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The call, if in progress.</summary>
    public Call? Get(string callId) => _calls.TryGetValue(callId, out var call) ? call : null;

    /// <summary>Forgets a call (after it ended).</summary>
    public void Remove(Call call)
    {
        if (_calls.TryRemove(new KeyValuePair<string, Call>(call.Id, call)))
        {
            call.RingTimer?.Dispose();
        }
    }

    /// <summary>The calls the user takes part in.</summary>
    public IReadOnlyList<Call> CallsOf(string userId) => _calls.Values.Where(c => c.IsParticipant(userId)).ToArray();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var call in _calls.Values)
        {
            call.RingTimer?.Dispose();
        }

        _calls.Clear();
    }

    private void OnRingTimeout(Call call)
    {
        if (!call.IsAnswered && _calls.ContainsKey(call.Id))
        {
            RingTimedOut?.Invoke(call);
        }
    }
}
