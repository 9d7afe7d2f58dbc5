namespace Synapse.SocketIO.Redis;

/// <summary>Which rooms get a shard channel of their own with the sharded adapter (Node's <c>subscriptionMode</c>).</summary>
public enum ShardedSubscriptionMode
{
    /// <summary>Only the namespace channel and the node's response channel (<c>"static"</c>).</summary>
    Static,

    /// <summary>Also one channel per public room, i.e. a room that is not a socket id (<c>"dynamic"</c>, Node's default).</summary>
    Dynamic,

    /// <summary>Also one channel per room, socket ids included (<c>"dynamic-private"</c>).</summary>
    DynamicPrivate,
}

/// <summary>
/// Options of the Redis adapter. The defaults are Node's: a Synapse node with the defaults joins
/// a cluster of Node servers that use <c>createAdapter(pub, sub)</c> (or, with
/// <see cref="Sharded"/>, <c>createShardedAdapter(pub, sub)</c>) with theirs.
/// </summary>
public sealed class RedisAdapterOptions
{
    /// <summary>
    /// Where Redis is: <c>host:port</c> with optional <c>,password=...</c>, <c>,user=...</c>,
    /// <c>,ssl=true</c>, <c>,name=...</c>, <c>,connectTimeout=ms</c>, or a
    /// <c>redis://[user:password@]host:port</c> (<c>rediss://</c>) URI. Default <c>localhost:6379</c>.
    /// </summary>
    public string ConnectionString { get; set; } = "localhost:6379";

    /// <summary>
    /// The channel prefix, Node's <c>key</c> (classic) or <c>channelPrefix</c> (sharded). Every
    /// node and emitter of a cluster must use the same. Default <c>socket.io</c>.
    /// </summary>
    public string Key { get; set; } = "socket.io";

    /// <summary>
    /// Use Redis 7 sharded pub/sub (SPUBLISH/SSUBSCRIBE), as Node's <c>createShardedAdapter</c>.
    /// The two variants do not talk to each other, and the emitter only speaks the classic one.
    /// Default false.
    /// </summary>
    public bool Sharded { get; set; }

    /// <summary>Sharded adapter only: which rooms get a channel of their own. Default <see cref="ShardedSubscriptionMode.Dynamic"/>.</summary>
    public ShardedSubscriptionMode SubscriptionMode { get; set; } = ShardedSubscriptionMode.Dynamic;

    /// <summary>
    /// How long a request to the other nodes waits for their answers (Node's <c>requestsTimeout</c>):
    /// <c>FetchSocketsAsync</c>, the classic <c>AllRoomsAsync</c>, and how long learning the number of
    /// nodes may wait for Redis. The sharded adapter uses it where Node uses its fixed 5 s. Default 5 s.
    /// </summary>
    public TimeSpan RequestsTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Classic adapter only: answer on the requester's own response channel instead of the shared
    /// one (Node's <c>publishOnSpecificResponseChannel</c>). Requesters listen on both, so mixed
    /// values are fine. Default false.
    /// </summary>
    public bool PublishOnSpecificResponseChannel { get; set; }

    /// <summary>The first delay before reconnecting to Redis; it doubles after each failed attempt. Default 50 ms.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest delay between two reconnection attempts. Default 2 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often idle connections are checked with PING, to notice a silently dead connection. Default 3 s.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a Redis command may wait for its reply. Default 5 s.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest message accepted from Redis, in bytes. Default 512 MiB (Redis' own limit).</summary>
    public int MaxMessageSize { get; set; } = 512 * 1024 * 1024;
}
