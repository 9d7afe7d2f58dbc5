using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Synapse.SocketIO.Redis.Resp;

/// <summary>What a subscription listens to.</summary>
internal enum SubscriptionKind
{
    /// <summary>SUBSCRIBE: one channel.</summary>
    Channel,

    /// <summary>PSUBSCRIBE: every channel matching a glob pattern.</summary>
    Pattern,

    /// <summary>SSUBSCRIBE: a shard channel (Redis 7).</summary>
    Shard,
}

/// <summary>A message received on a subscription.</summary>
/// <param name="Kind">The kind of subscription it arrived on.</param>
/// <param name="Channel">The channel it was published on.</param>
/// <param name="Payload">The payload.</param>
internal sealed record RedisPubSubMessage(SubscriptionKind Kind, string Channel, byte[] Payload);

/// <summary>
/// The subscriber connection: channel, pattern and shard-channel subscriptions over one
/// reconnecting connection. The subscriptions are remembered and issued again on every new
/// connection before it is announced, so a node that lost Redis hears the cluster again as soon
/// as Redis is back. Messages are handed to their handler one at a time, in arrival order, on a
/// task of their own (the connection keeps reading meanwhile, up to a bounded backlog).
/// </summary>
internal sealed partial class RedisSubscriber : ResilientConnection
{
    private const int Backlog = 16 * 1024;

    private readonly Dictionary<(SubscriptionKind Kind, string Name), Action<RedisPubSubMessage>> _handlers = new();
    private readonly Channel<(Action<RedisPubSubMessage> Handler, RedisPubSubMessage Message)> _inbox =
        Channel.CreateBounded<(Action<RedisPubSubMessage>, RedisPubSubMessage)>(new BoundedChannelOptions(Backlog) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly Task _dispatcher;

    public RedisSubscriber(RedisClientOptions options, ILogger logger)
        : base(options, logger, "subscriber")
    {
        _dispatcher = Task.Run(DispatchAsync);
    }

    /// <summary>How many subscriptions are registered.</summary>
    public int SubscriptionCount
    {
        get
        {
            lock (_handlers)
            {
                return _handlers.Count;
            }
        }
    }

    /// <inheritdoc />
    protected override Func<RespPush, ValueTask>? PushHandler => OnPushAsync;

    /// <summary>
    /// Subscribes (SUBSCRIBE, PSUBSCRIBE or SSUBSCRIBE). Completes when Redis confirmed it, or at
    /// once while disconnected (it is issued on the next connection).
    /// </summary>
    /// <remarks>
    /// The subscription is registered and, if a connection is open, sent under one lock that
    /// <see cref="OnConnectedAsync"/> also takes to issue the registered ones: whichever comes
    /// second sends it, so a subscription made while a connection is being set up is never lost
    /// (at worst it is sent twice, which Redis ignores).
    /// </remarks>
    public async Task SubscribeAsync(SubscriptionKind kind, string name, Action<RedisPubSubMessage> handler)
    {
        Task<RespValue>? reply = null;
        lock (_handlers)
        {
            _handlers[(kind, name)] = handler;
            if (OpenedConnection is { } connection)
            {
                reply = TrySend(connection, Command(kind, subscribe: true), name);
            }
        }

        Start();
        if (reply is null)
        {
            return;
        }

        try
        {
            var result = await reply.WaitAsync(Options.CommandTimeout);
            if (result.IsError)
            {
                throw new RedisServerException($"{Encoding.ASCII.GetString(Command(kind, subscribe: true).Span)} {name} failed: {result.Text}");
            }
        }
        catch (Exception ex) when (ex is RedisConnectionException or TimeoutException)
        {
            // Issued again when the connection is back.
        }
    }

    /// <summary>Unsubscribes (UNSUBSCRIBE, PUNSUBSCRIBE or SUNSUBSCRIBE).</summary>
    public async Task UnsubscribeAsync(SubscriptionKind kind, string name)
    {
        Task<RespValue>? reply = null;
        lock (_handlers)
        {
            if (!_handlers.Remove((kind, name)))
            {
                return;
            }

            if (OpenedConnection is { } connection)
            {
                reply = TrySend(connection, Command(kind, subscribe: false), name);
            }
        }

        if (reply is null)
        {
            return;
        }

        try
        {
            await reply.WaitAsync(Options.CommandTimeout);
        }
        catch (Exception ex) when (ex is RedisConnectionException or TimeoutException)
        {
            // A new connection starts without it anyway.
        }
    }

    /// <inheritdoc />
    protected override async Task OnConnectedAsync(RespConnection connection, CancellationToken cancellationToken)
    {
        // One command per channel, pipelined (SSUBSCRIBE of several channels needs one hash slot).
        List<Task<RespValue>> replies = [];
        lock (_handlers)
        {
            foreach (var (kind, name) in _handlers.Keys)
            {
                if (TrySend(connection, Command(kind, subscribe: true), name) is { } reply)
                {
                    replies.Add(reply);
                }
            }
        }

        foreach (var reply in await Task.WhenAll(replies).WaitAsync(cancellationToken))
        {
            if (reply.IsError)
            {
                throw new RedisServerException("Resubscribing failed: " + reply.Text);
            }
        }
    }

    private static Task<RespValue>? TrySend(RespConnection connection, ReadOnlyMemory<byte> command, string name)
    {
        try
        {
            return connection.ExecuteAsync([command, Encoding.UTF8.GetBytes(name)]);
        }
        catch (RedisConnectionException)
        {
            return null;
        }
    }

    private ValueTask OnPushAsync(RespPush push)
    {
        Action<RedisPubSubMessage>? handler;
        lock (_handlers)
        {
            _handlers.TryGetValue((push.Kind, push.Subscription), out handler);
        }

        if (handler is null)
        {
            return ValueTask.CompletedTask;
        }

        var message = new RedisPubSubMessage(push.Kind, push.Channel, push.Payload);
        return _inbox.Writer.TryWrite((handler, message)) ? ValueTask.CompletedTask : _inbox.Writer.WriteAsync((handler, message), DisposedToken);
    }

    private async Task DispatchAsync()
    {
        try
        {
            await foreach (var (handler, message) in _inbox.Reader.ReadAllAsync(DisposedToken))
            {
                try
                {
                    handler(message);
                }
                catch (Exception ex)
                {
                    Log.HandlerFailed(Logger, message.Channel, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static ReadOnlyMemory<byte> Command(SubscriptionKind kind, bool subscribe) => (kind, subscribe) switch
    {
        (SubscriptionKind.Channel, true) => "SUBSCRIBE"u8.ToArray(),
        (SubscriptionKind.Channel, false) => "UNSUBSCRIBE"u8.ToArray(),
        (SubscriptionKind.Pattern, true) => "PSUBSCRIBE"u8.ToArray(),
        (SubscriptionKind.Pattern, false) => "PUNSUBSCRIBE"u8.ToArray(),
        (SubscriptionKind.Shard, true) => "SSUBSCRIBE"u8.ToArray(),
        _ => "SUNSUBSCRIBE"u8.ToArray(),
    };

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Error, "A handler of Redis channel {Channel} failed.")]
        public static partial void HandlerFailed(ILogger logger, string channel, Exception exception);
    }
}
