using System.Globalization;
using Microsoft.Extensions.Options;
using Synapse.Server.Cluster;
using Synapse.Server.Domain;
using Synapse.SocketIO.Redis;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.Server.Services;

/// <summary>
/// The per-user limits of <see cref="RateLimitOptions"/> held in Redis, so that they hold across
/// every node: a sorted set of the user's permit times per rule, trimmed to the window and checked
/// and added to by one script (atomic, on Redis' clock). The window slides exactly rather than by
/// segments. If Redis cannot be reached the request is let through (and logged): the limits
/// protect the service, an outage of Redis should not stop the chat.
/// </summary>
public sealed partial class RedisUserRateLimiter : IUserRateLimiter
{
    // Returns -1 when the permit was taken, else the milliseconds until the oldest permit leaves the window.
    private const string AcquireScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
          redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
          redis.call('PEXPIRE', KEYS[1], window)
          return -1
        end
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return math.max(1, tonumber(oldest[2]) + window - now)
        """;

    private static readonly RedisScript Acquire = new(AcquireScript);

    private readonly RedisConnection _redis;
    private readonly RedisKeys _keys;
    private readonly RateLimitOptions _options;
    private readonly string _node;
    private readonly ILogger<RedisUserRateLimiter> _logger;
    private long _permits;

    /// <summary>Creates the limiter.</summary>
    public RedisUserRateLimiter(RedisConnection redis, RedisKeys keys, ClusterNode node, IOptions<RateLimitOptions> options, ILogger<RedisUserRateLimiter> logger)
    {
        _redis = redis;
        _keys = keys;
        _node = node.Id;
        _options = options.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    public ValueTask<AppError?> TryAcquireMessageAsync(string userId, CancellationToken cancellationToken = default) =>
        TryAcquireAsync("messages", _options.Messages, userId, UserRateLimiter.MessagesMessage, cancellationToken);

    /// <inheritdoc />
    public ValueTask<AppError?> TryAcquireActionAsync(string userId, CancellationToken cancellationToken = default) =>
        TryAcquireAsync("actions", _options.Actions, userId, UserRateLimiter.ActionsMessage, cancellationToken);

    private async ValueTask<AppError?> TryAcquireAsync(string name, RateLimitRule rule, string userId, string message, CancellationToken cancellationToken)
    {
        // Unique within the cluster, so that two permits taken in the same millisecond both count.
        var member = _node + ":" + Interlocked.Increment(ref _permits).ToString(CultureInfo.InvariantCulture);
        RespValue reply;
        try
        {
            reply = await Acquire.EvaluateAsync(
                _redis,
                [_keys.RateLimit(name, userId)],
                [rule.PermitLimit.ToString(CultureInfo.InvariantCulture), ((long)rule.Window.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), member],
                cancellationToken);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisServerException or TimeoutException)
        {
            Log.Unavailable(_logger, userId, ex.Message);
            return null;
        }

        return reply.Integer < 0 ? null : AppError.RateLimited(message, TimeSpan.FromMilliseconds(reply.Integer));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Rate limit of {UserId} not checked, Redis is unreachable: {Reason}")]
        public static partial void Unavailable(ILogger logger, string userId, string reason);
    }
}
