using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.SocketIO.Redis;

/// <summary>
/// Creates the Redis adapter of each namespace and owns what they share, as Node's
/// <c>createAdapter(pub, sub)</c> does: one publisher and one subscriber connection to Redis,
/// opened at once and kept open (reconnecting with backoff), and the metrics. Use it as
/// <see cref="SocketIOOptions.AdapterFactory"/> (<c>o.AdapterFactory = factory.Create</c>), or
/// let <c>AddRedisAdapter</c> do it.
/// </summary>
/// <remarks>
/// While Redis is unreachable every node keeps serving its own clients: local broadcasts and room
/// changes happen as usual, what should have gone to the other nodes is dropped, logged and
/// counted (<see cref="RedisAdapterMetrics.PublishFailures"/>), and requests that need the other
/// nodes' answers fail with a <see cref="TimeoutException"/> that says Redis is unreachable. The
/// subscriptions are issued again as soon as the connection is back.
/// </remarks>
public sealed partial class RedisAdapterFactory : IAsyncDisposable
{
    private static readonly TimeSpan FailureLogInterval = TimeSpan.FromSeconds(10);

    private readonly object _failureSync = new();
    private long _lastFailureLog = long.MinValue;
    private int _failuresSinceLog;
    private int _disposed;

    /// <summary>Creates the factory and starts connecting to Redis.</summary>
    /// <exception cref="FormatException">The connection string cannot be understood.</exception>
    public RedisAdapterFactory(RedisAdapterOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var endpoint = RedisEndpoint.Parse(options.ConnectionString);
        var clientOptions = new RedisClientOptions
        {
            Endpoint = endpoint,
            ReconnectMinDelay = options.ReconnectMinDelay,
            ReconnectMaxDelay = options.ReconnectMaxDelay,
            HealthCheckInterval = options.HealthCheckInterval,
            CommandTimeout = options.CommandTimeout,
            MaxMessageSize = options.MaxMessageSize,
        };
        loggerFactory ??= NullLoggerFactory.Instance;
        Logger = loggerFactory.CreateLogger("Synapse.SocketIO.Redis");
        Publisher = new RedisClient(clientOptions, loggerFactory.CreateLogger("Synapse.SocketIO.Redis.Publisher"));
        Subscriber = new RedisSubscriber(clientOptions, loggerFactory.CreateLogger("Synapse.SocketIO.Redis.Subscriber"));
        Metrics = new RedisAdapterMetrics(meterFactory, () => IsConnected ? 1 : 0);
        Publisher.ConnectionChanged += up => OnConnectionChanged(Publisher, up);
        Subscriber.ConnectionChanged += up => OnConnectionChanged(Subscriber, up);
        Publisher.Start();
        Subscriber.Start();
    }

    /// <summary>The options in force.</summary>
    public RedisAdapterOptions Options { get; }

    /// <summary>The adapter's metrics.</summary>
    public RedisAdapterMetrics Metrics { get; }

    /// <summary>Whether both connections to Redis are up.</summary>
    public bool IsConnected => Publisher.IsConnected && Subscriber.IsConnected;

    internal RedisClient Publisher { get; }

    internal RedisSubscriber Subscriber { get; }

    internal ILogger Logger { get; }

    /// <summary>Creates the adapter of <paramref name="nsp"/>: classic or sharded, as <see cref="RedisAdapterOptions.Sharded"/> says.</summary>
    public Adapter Create(Namespace nsp) => Options.Sharded ? new ShardedRedisAdapter(nsp, this) : new RedisAdapter(nsp, this);

    /// <summary>Waits until both connections are up (for start-up checks and tests).</summary>
    /// <exception cref="TimeoutException">Redis could not be reached in time.</exception>
    public async Task WaitForConnectionAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await Publisher.WaitConnectedAsync(timeout, cancellationToken);
        await Subscriber.WaitConnectedAsync(timeout, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Subscriber.DisposeAsync();
        await Publisher.DisposeAsync();
        Metrics.Dispose();
    }

    /// <summary>Publishes; a failure is logged and counted, never thrown. True if Redis took the message.</summary>
    internal async Task<bool> PublishAsync(string channel, ReadOnlyMemory<byte> payload, string type)
    {
        try
        {
            await Publisher.PublishAsync(Encoding.UTF8.GetBytes(channel), payload, Options.Sharded);
            Metrics.Published(type);
            return true;
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisServerException or TimeoutException or ObjectDisposedException)
        {
            Metrics.PublishFailed(type);
            LogPublishFailure(type, channel, ex);
            return false;
        }
    }

    /// <summary>
    /// How many subscribers <paramref name="channel"/> has (PUBSUB NUMSUB or SHARDNUMSUB), waiting
    /// up to <see cref="RedisAdapterOptions.RequestsTimeout"/> for Redis.
    /// </summary>
    /// <exception cref="TimeoutException">Redis is unreachable.</exception>
    internal async Task<int> SubscriberCountAsync(string channel)
    {
        try
        {
            await Publisher.WaitConnectedAsync(Options.RequestsTimeout);
            return (int)await Publisher.SubscriberCountAsync(Encoding.UTF8.GetBytes(channel), Options.Sharded);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisServerException)
        {
            throw new TimeoutException($"Redis ({Publisher.Options.Endpoint}) is unreachable: {ex.Message}", ex);
        }
    }

    private void OnConnectionChanged(ResilientConnection connection, bool up)
    {
        if (up && connection.ConnectionCount > 1)
        {
            Metrics.Reconnected();
        }
    }

    private void LogPublishFailure(string type, string channel, Exception error)
    {
        int count;
        lock (_failureSync)
        {
            _failuresSinceLog++;
            var now = Stopwatch.GetTimestamp();
            if (_lastFailureLog != long.MinValue && Stopwatch.GetElapsedTime(_lastFailureLog, now) < FailureLogInterval)
            {
                return;
            }

            _lastFailureLog = now;
            count = _failuresSinceLog;
            _failuresSinceLog = 0;
        }

        Log.PublishFailed(Logger, count, type, channel, error.Message);
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "{Count} message(s) could not be published to Redis (last: {Type} on {Channel}): {Reason}. Local clients are still served; other nodes miss these messages.")]
        public static partial void PublishFailed(ILogger logger, int count, string type, string channel, string reason);
    }
}
