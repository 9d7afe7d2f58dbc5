using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Synapse.Server.Realtime;

/// <summary>The calls in progress on a single node, in memory, with their ring timers.</summary>
public sealed class CallRegistry : ICallStore, IDisposable
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

    /// <inheritdoc />
    public event Action<string>? RingTimedOut;

    /// <inheritdoc />
    public Task AddAsync(CallSnapshot start)
    {
        var call = new Call(start);
        _calls[call.Id] = call;
        call.RingTimer = _time.CreateTimer(static s => ((CallRegistry)((object[])s!)[0]).OnRingTimeout((Call)((object[])s!)[1]), new object[] { this, call }, _ringTimeout, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<CallSnapshot?> GetAsync(string callId) =>
        Task.FromResult(_calls.TryGetValue(callId, out var call) ? call.Snapshot() : null);

    /// <inheritdoc />
    public Task<(CallAnswer Answer, CallSnapshot? Call)> AcceptAsync(string callId, string userId) =>
        Task.FromResult<(CallAnswer, CallSnapshot?)>(_calls.TryGetValue(callId, out var call) ? call.Accept(userId) : (CallAnswer.NotFound, null));

    /// <inheritdoc />
    public Task<(CallAnswer Answer, CallSnapshot? Call)> RejectAsync(string callId, string userId) =>
        Task.FromResult<(CallAnswer, CallSnapshot?)>(_calls.TryGetValue(callId, out var call) ? call.Reject(userId) : (CallAnswer.NotFound, null));

    /// <inheritdoc />
    public Task<CallSnapshot?> EndAsync(string callId)
    {
        if (!_calls.TryGetValue(callId, out var call) || call.End() is not { } ended)
        {
            return Task.FromResult<CallSnapshot?>(null);
        }

        if (_calls.TryRemove(new KeyValuePair<string, Call>(call.Id, call)))
        {
            call.RingTimer?.Dispose();
        }

        return Task.FromResult<CallSnapshot?>(ended);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> CallsOfAsync(string userId) =>
        Task.FromResult<IReadOnlyList<string>>(_calls.Values.Where(c => c.IsParticipant(userId)).Select(c => c.Id).ToArray());

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
            RingTimedOut?.Invoke(call.Id);
        }
    }
}
