using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using Synapse.Server.Cluster;
using Synapse.SocketIO.Redis;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.Server.Realtime;

/// <summary>
/// The calls in progress across the cluster, in Redis: one hash per call (its room, kind and
/// caller, and a <c>u:{userId}</c> field per invitee: <c>i</c>nvited, <c>a</c>ccepted or
/// <c>r</c>ejected), changed by atomic scripts, and a set of call ids per participant. The node
/// where a call started runs its ring timer; if that node dies, its caller goes offline with it
/// and the node that notices ends the call.
/// </summary>
public sealed class RedisCallStore : ICallStore, IDisposable
{
    private const string AddScript = """
        redis.call('HSET', KEYS[1], unpack(ARGV, 3))
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        redis.call('SADD', KEYS[2], ARGV[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[1])
        return 1
        """;

    private const string AnswerScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {'none'} end
        local f = 'u:' .. ARGV[1]
        local s = redis.call('HGET', KEYS[1], f)
        local status = 'done'
        if ARGV[2] == 'a' then
          if s == 'i' then
            redis.call('HSET', KEYS[1], f, 'a')
            redis.call('SADD', KEYS[2], ARGV[3])
            redis.call('PEXPIRE', KEYS[2], ARGV[4])
          elseif s ~= 'a' then status = 'notinvited' end
        else
          if s == 'i' then redis.call('HSET', KEYS[1], f, 'r')
          elseif s ~= 'r' then status = 'notinvited' end
        end
        local r = redis.call('HGETALL', KEYS[1])
        table.insert(r, 1, status)
        return r
        """;

    private const string EndScript = """
        local r = redis.call('HGETALL', KEYS[1])
        if #r == 0 then return r end
        redis.call('DEL', KEYS[1])
        for i = 1, #r, 2 do
          local f = r[i]
          local user = nil
          if string.sub(f, 1, 2) == 'u:' then user = string.sub(f, 3) elseif f == 'callerId' then user = r[i + 1] end
          if user then redis.call('SREM', ARGV[1] .. 'user:' .. user .. ':calls', ARGV[2]) end
        end
        return r
        """;

    private static readonly RedisScript Add = new(AddScript);
    private static readonly RedisScript Answer = new(AnswerScript);
    private static readonly RedisScript End = new(EndScript);

    // A safety net: a call whose every node vanished is forgotten after this.
    private static readonly TimeSpan MaxCallLifetime = TimeSpan.FromHours(12);

    private readonly RedisConnection _redis;
    private readonly RedisKeys _keys;
    private readonly TimeSpan _ringTimeout;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ITimer> _ringTimers = new(StringComparer.Ordinal);
    private readonly string _ttl = ((long)MaxCallLifetime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>Creates the store.</summary>
    public RedisCallStore(RedisConnection redis, RedisKeys keys, IOptions<RealtimeOptions> options, TimeProvider time)
    {
        _redis = redis;
        _keys = keys;
        _ringTimeout = options.Value.CallRingTimeout;
        _time = time;
    }

    /// <inheritdoc />
    public event Action<string>? RingTimedOut;

    /// <inheritdoc />
    public async Task AddAsync(CallSnapshot call)
    {
        List<string> args =
        [
            _ttl, call.Id,
            "roomId", call.RoomId, "kind", call.Kind,
            "callerId", call.Caller.UserId, "callerName", call.Caller.UserName, "callerDisplayName", call.Caller.DisplayName,
        ];
        foreach (var invitee in call.InvitedUserIds)
        {
            args.Add("u:" + invitee);
            args.Add("i");
        }

        await Add.EvaluateAsync(_redis, [_keys.Call(call.Id), _keys.UserCalls(call.Caller.UserId)], args);
        var timer = _time.CreateTimer(static s => ((RedisCallStore)((object[])s!)[0]).OnRingTimeout((string)((object[])s!)[1]), new object[] { this, call.Id }, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _ringTimers[call.Id] = timer;
        timer.Change(_ringTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <inheritdoc />
    public async Task<CallSnapshot?> GetAsync(string callId)
    {
        var reply = await _redis.ExecuteAsync(["HGETALL", _keys.Call(callId)]);
        return Read(callId, reply.Items ?? [], 0);
    }

    /// <inheritdoc />
    public Task<(CallAnswer Answer, CallSnapshot? Call)> AcceptAsync(string callId, string userId) => AnswerAsync(callId, userId, "a");

    /// <inheritdoc />
    public Task<(CallAnswer Answer, CallSnapshot? Call)> RejectAsync(string callId, string userId) => AnswerAsync(callId, userId, "r");

    /// <inheritdoc />
    public async Task<CallSnapshot?> EndAsync(string callId)
    {
        if (_ringTimers.TryRemove(callId, out var timer))
        {
            timer.Dispose();
        }

        var reply = await End.EvaluateAsync(_redis, [_keys.Call(callId)], [_keys.Prefix, callId]);
        return Read(callId, reply.Items ?? [], 0);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> CallsOfAsync(string userId)
    {
        var reply = await _redis.ExecuteAsync(["SMEMBERS", _keys.UserCalls(userId)]);
        return (reply.Items ?? []).Select(i => i.Text!).ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var timer in _ringTimers.Values)
        {
            timer.Dispose();
        }

        _ringTimers.Clear();
    }

    private async Task<(CallAnswer Answer, CallSnapshot? Call)> AnswerAsync(string callId, string userId, string answer)
    {
        var reply = await Answer.EvaluateAsync(_redis, [_keys.Call(callId), _keys.UserCalls(userId)], [userId, answer, callId, _ttl]);
        var items = reply.Items ?? [];
        var status = items.Length > 0 ? items[0].Text : "none";
        var call = Read(callId, items, 1);
        return status switch
        {
            "done" when call is not null => (CallAnswer.Done, call),
            "notinvited" when call is not null => (CallAnswer.NotInvited, call),
            _ => (CallAnswer.NotFound, null),
        };
    }

    /// <summary>A call from HGETALL's field/value pairs (from <paramref name="start"/>); null when there are none.</summary>
    private static CallSnapshot? Read(string callId, RespValue[] items, int start)
    {
        if (items.Length - start < 2)
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var invited = new List<string>();
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        var rejected = new HashSet<string>(StringComparer.Ordinal);
        for (var i = start; i + 1 < items.Length; i += 2)
        {
            var name = items[i].Text ?? string.Empty;
            var value = items[i + 1].Text ?? string.Empty;
            if (!name.StartsWith("u:", StringComparison.Ordinal))
            {
                fields[name] = value;
                continue;
            }

            var userId = name[2..];
            invited.Add(userId);
            if (value == "a")
            {
                accepted.Add(userId);
            }
            else if (value == "r")
            {
                rejected.Add(userId);
            }
        }

        var caller = new CallUser(fields.GetValueOrDefault("callerId", ""), fields.GetValueOrDefault("callerName", ""), fields.GetValueOrDefault("callerDisplayName", ""));
        return new CallSnapshot(callId, fields.GetValueOrDefault("roomId", ""), fields.GetValueOrDefault("kind", ""), caller, invited, accepted, rejected);
    }

    private void OnRingTimeout(string callId)
    {
        if (_ringTimers.TryRemove(callId, out var timer))
        {
            timer.Dispose();
            _ = CheckRingAsync(callId);
        }
    }

    private async Task CheckRingAsync(string callId)
    {
        try
        {
            if (await GetAsync(callId) is { IsAnswered: false })
            {
                RingTimedOut?.Invoke(callId);
            }
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisServerException or TimeoutException)
        {
            // Redis is away: the call ends when its caller's presence does, or by the key's lifetime.
        }
    }
}
