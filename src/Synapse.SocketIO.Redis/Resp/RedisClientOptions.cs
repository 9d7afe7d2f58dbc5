namespace Synapse.SocketIO.Redis.Resp;

/// <summary>Connection behaviour of the RESP client.</summary>
internal sealed record RedisClientOptions
{
    /// <summary>Where to connect.</summary>
    public required RedisEndpoint Endpoint { get; init; }

    /// <summary>The first delay before reconnecting; it doubles on every failed attempt.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest delay between reconnection attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often an idle connection is checked with PING (a half-open connection is dropped).</summary>
    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a command may wait for its reply.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest bulk string accepted from Redis.</summary>
    public int MaxMessageSize { get; init; } = RespParser.DefaultMaxBulkLength;
}
