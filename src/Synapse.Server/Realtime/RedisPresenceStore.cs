using System.Globalization;
using Microsoft.Extensions.Options;
using Synapse.Server.Cluster;
using Synapse.SocketIO.Redis;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.Server.Realtime;

/// <summary>
/// Presence across the cluster, in Redis. Each user has a hash of connection counts per node
/// (<see cref="RedisKeys.Presence"/>), changed by atomic scripts, so a user with tabs on two nodes
/// comes online once and goes offline when the last tab anywhere closes. Each node renews a
/// heartbeat key that expires after <see cref="ClusterOptions.NodeTimeout"/> and, every
/// <see cref="ClusterOptions.HeartbeatInterval"/>, sweeps the nodes whose heartbeat expired: one
/// script removes their counts, so exactly one surviving node learns which users that left
/// offline (<see cref="UserLost"/>) and announces it. A node that was swept while alive (cut off
/// from Redis for longer than the timeout) counts its connections again when it is back
/// (<see cref="UserRestored"/>).
/// </summary>
public sealed partial class RedisPresenceStore : IPresenceStore, IHostedService, IAsyncDisposable
{
    private const string ConnectScript = """
        local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
        if n == 1 then redis.call('SADD', KEYS[2], ARGV[2]) end
        if n == 1 and redis.call('HLEN', KEYS[1]) == 1 then
          return {1, redis.call('INCR', KEYS[3])}
        end
        return {0, tonumber(redis.call('GET', KEYS[3]) or '0')}
        """;

    private const string DisconnectScript = """
        local c = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
        if c <= 0 then return {0, 0} end
        if c > 1 then
          redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
        else
          redis.call('HDEL', KEYS[1], ARGV[1])
          redis.call('SREM', KEYS[2], ARGV[2])
          if redis.call('HLEN', KEYS[1]) == 0 then return {1, redis.call('INCR', KEYS[3])} end
        end
        return {0, tonumber(redis.call('GET', KEYS[3]) or '0')}
        """;

    // Renews the heartbeat; 1 when the node must count its connections again (it was swept, or its heartbeat had lapsed).
    private const string HeartbeatScript = """
        local was = redis.call('SET', KEYS[1], '1', 'PX', ARGV[2], 'GET')
        local added = redis.call('SADD', KEYS[2], ARGV[1])
        if was and added == 0 then return 0 end
        return 1
        """;

    // Removes the counts of every node whose heartbeat expired (and of this node when ARGV[3] is 1);
    // returns user id, version pairs of the users that went offline.
    private const string SweepScript = """
        if ARGV[3] == '1' then redis.call('DEL', ARGV[1] .. 'node:' .. ARGV[2]) end
        local lost = {}
        for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local self = node == ARGV[2]
          if (self and ARGV[3] == '1') or (not self and redis.call('EXISTS', ARGV[1] .. 'node:' .. node) == 0) then
            local usersKey = ARGV[1] .. 'node:' .. node .. ':users'
            for _, uid in ipairs(redis.call('SMEMBERS', usersKey)) do
              local h = ARGV[1] .. 'presence:' .. uid
              if redis.call('HDEL', h, node) == 1 and redis.call('HLEN', h) == 0 then
                table.insert(lost, uid)
                table.insert(lost, redis.call('INCR', h .. ':v'))
              end
            end
            redis.call('DEL', usersKey)
            redis.call('SREM', KEYS[1], node)
          end
        end
        return lost
        """;

    // Sets this node's count of one user (after a sweep removed it); {1, version} if that brought the user online.
    private const string RestoreScript = """
        local before = redis.call('HLEN', KEYS[1])
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        redis.call('SADD', KEYS[2], ARGV[2])
        if before == 0 then return {1, redis.call('INCR', KEYS[3])} end
        return {0, tonumber(redis.call('GET', KEYS[3]) or '0')}
        """;

    private const string OnlineScript = """
        local r = {}
        for i, k in ipairs(KEYS) do r[i] = redis.call('EXISTS', k) end
        return r
        """;

    private const string StateScript = "return {redis.call('EXISTS', KEYS[1]), tonumber(redis.call('GET', KEYS[2]) or '0')}";

    private static readonly RedisScript Connect = new(ConnectScript);
    private static readonly RedisScript Disconnect = new(DisconnectScript);
    private static readonly RedisScript Heartbeat = new(HeartbeatScript);
    private static readonly RedisScript Sweep = new(SweepScript);
    private static readonly RedisScript Restore = new(RestoreScript);
    private static readonly RedisScript Online = new(OnlineScript);
    private static readonly RedisScript State = new(StateScript);

    private readonly RedisConnection _redis;
    private readonly RedisKeys _keys;
    private readonly ClusterOptions _options;
    private readonly string _node;
    private readonly ILogger<RedisPresenceStore> _logger;
    private readonly Dictionary<string, int> _local = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <summary>Creates the store.</summary>
    public RedisPresenceStore(RedisConnection redis, RedisKeys keys, ClusterNode node, IOptions<ClusterOptions> options, ILogger<RedisPresenceStore> logger)
    {
        _redis = redis;
        _keys = keys;
        _node = node.Id;
        _options = options.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    public event Func<string, PresenceChange, Task>? UserLost;

    /// <inheritdoc />
    public event Func<string, PresenceChange, Task>? UserRestored;

    /// <inheritdoc />
    public async ValueTask<PresenceChange> ConnectAsync(string userId, string socketId)
    {
        // The local count is this node's truth; Redis mirrors it (and is corrected from it after an outage).
        lock (_local)
        {
            _local[userId] = _local.GetValueOrDefault(userId) + 1;
        }

        return ReadChange(await Connect.EvaluateAsync(_redis, UserKeys(userId), [_node, userId]));
    }

    /// <inheritdoc />
    public async ValueTask<PresenceChange> DisconnectAsync(string userId, string socketId)
    {
        lock (_local)
        {
            if (!_local.TryGetValue(userId, out var count))
            {
                return new PresenceChange(false, 0);
            }

            if (count <= 1)
            {
                _local.Remove(userId);
            }
            else
            {
                _local[userId] = count - 1;
            }
        }

        return ReadChange(await Disconnect.EvaluateAsync(_redis, UserKeys(userId), [_node, userId]));
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlySet<string>> OnlineAmongAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        var ids = userIds.Distinct(StringComparer.Ordinal).ToArray();
        if (ids.Length == 0)
        {
            return new HashSet<string>();
        }

        var reply = await Online.EvaluateAsync(_redis, ids.Select(_keys.Presence).ToArray(), [], cancellationToken);
        var online = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Length; i++)
        {
            if (reply.Items![i].Integer == 1)
            {
                online.Add(ids[i]);
            }
        }

        return online;
    }

    /// <inheritdoc />
    public async ValueTask AnnounceIfCurrentAsync(string userId, PresenceChange change, bool online, Action announce)
    {
        // Checked just before queueing: another node may still announce in between, but a transition
        // that overtook this one is never announced over.
        var state = await State.EvaluateAsync(_redis, [_keys.Presence(userId), _keys.PresenceVersion(userId)], []);
        var isOnline = state.Items![0].Integer == 1;
        if (isOnline == online && state.Items[1].Integer == change.Version)
        {
            announce();
        }
    }

    /// <summary>Registers the node (before the server accepts connections) and starts the heartbeat.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _redis.WaitConnectedAsync(TimeSpan.FromSeconds(10), cancellationToken);
            await BeatAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or RedisConnectionException or RedisServerException)
        {
            // Serve anyway: the heartbeat loop keeps trying, and counts are restored once Redis answers.
            Log.HeartbeatFailed(_logger, ex.Message);
        }

        Log.Joined(_logger, _node, _options.NodeTimeout.TotalSeconds);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <summary>
    /// Leaves the cluster: stops the heartbeat, lets the disconnect clean-up of the closed sockets
    /// finish, then removes whatever is left of this node's counts and reports those users lost.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        for (var i = 0; i < 100 && LocalCount() > 0 && !cancellationToken.IsCancellationRequested; i++)
        {
            await Task.Delay(20, CancellationToken.None);
        }

        try
        {
            await SweepAsync(self: true, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisServerException or TimeoutException or OperationCanceledException)
        {
            // The others will find the heartbeat expired.
            Log.HeartbeatFailed(_logger, ex.Message);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        // Disposed once per registration that hands it out (store, hosted service): only the first counts.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Cancel();
            _stopping.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private string[] UserKeys(string userId) => [_keys.Presence(userId), _keys.NodeUsers(_node), _keys.PresenceVersion(userId)];

    private static PresenceChange ReadChange(RespValue reply) => new(reply.Items![0].Integer == 1, reply.Items[1].Integer);

    private int LocalCount()
    {
        lock (_local)
        {
            return _local.Count;
        }
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    await BeatAsync(_stopping.Token);
                    await SweepAsync(self: false, _stopping.Token);
                }
                catch (Exception ex) when (ex is RedisConnectionException or RedisServerException or TimeoutException)
                {
                    Log.HeartbeatFailed(_logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var ttl = ((long)_options.NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var reply = await Heartbeat.EvaluateAsync(_redis, [_keys.Node(_node), _keys.Nodes], [_node, ttl], cancellationToken);
        if (reply.Integer == 1)
        {
            await RestoreAsync(cancellationToken);
        }
    }

    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        KeyValuePair<string, int>[] counts;
        lock (_local)
        {
            counts = _local.ToArray();
        }

        if (counts.Length > 0)
        {
            Log.Restoring(_logger, counts.Length);
        }

        foreach (var (userId, count) in counts)
        {
            var change = ReadChange(await Restore.EvaluateAsync(_redis, UserKeys(userId), [_node, userId, count.ToString(CultureInfo.InvariantCulture)], cancellationToken));
            if (change.Changed)
            {
                await RaiseAsync(UserRestored, userId, change);
            }
        }
    }

    private async Task SweepAsync(bool self, CancellationToken cancellationToken)
    {
        var reply = await Sweep.EvaluateAsync(_redis, [_keys.Nodes], [_keys.Prefix, _node, self ? "1" : "0"], cancellationToken);
        var items = reply.Items ?? [];
        if (items.Length > 0)
        {
            Log.UsersLost(_logger, items.Length / 2, self ? "this node left" : "a node stopped renewing its heartbeat");
        }

        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            await RaiseAsync(UserLost, items[i].Text!, new PresenceChange(true, items[i + 1].Integer));
        }
    }

    private async Task RaiseAsync(Func<string, PresenceChange, Task>? handlers, string userId, PresenceChange change)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Func<string, PresenceChange, Task>>())
        {
            try
            {
                await handler(userId, change);
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, userId, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Node {NodeId} joined the cluster (a node silent for {Timeout} s is given up).")]
        public static partial void Joined(ILogger logger, string nodeId, double timeout);

        [LoggerMessage(2, LogLevel.Warning, "Presence heartbeat failed: {Reason}")]
        public static partial void HeartbeatFailed(ILogger logger, string reason);

        [LoggerMessage(3, LogLevel.Information, "{Count} user(s) went offline: {Why}.")]
        public static partial void UsersLost(ILogger logger, int count, string why);

        [LoggerMessage(4, LogLevel.Warning, "Counting the connections of {Count} user(s) again: this node had been given up by the cluster.")]
        public static partial void Restoring(ILogger logger, int count);

        [LoggerMessage(5, LogLevel.Error, "Handling the presence change of {UserId} failed.")]
        public static partial void HandlerFailed(ILogger logger, string userId, Exception exception);
    }
}
