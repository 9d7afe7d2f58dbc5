using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Protocol;
using Synapse.SocketIO.Protocol.MessagePack;
using Synapse.SocketIO.Redis.Resp;

namespace Synapse.SocketIO.Redis;

/// <summary>
/// What the classic and the sharded Redis adapters share: the node id, the connections, the
/// bookkeeping of requests awaiting other nodes' answers and of broadcasts awaiting remote
/// acknowledgements. Like Node's cluster adapters, they derive from the in-memory adapter: local
/// delivery is its job, the derived class adds the messages between nodes.
/// </summary>
public abstract partial class RedisAdapterBase : InMemoryAdapter
{
    private readonly ConcurrentDictionary<string, PendingRequest> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AckRequest> _ackRequests = new(StringComparer.Ordinal);
    private readonly List<(SubscriptionKind Kind, string Name)> _subscriptions = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private protected RedisAdapterBase(Namespace nsp, RedisAdapterFactory factory, string uid)
        : base(nsp)
    {
        Factory = factory;
        Uid = uid;
    }

    /// <summary>This namespace adapter's node id on the wire (a new one per namespace and per start, as in Node).</summary>
    public string Uid { get; }

    /// <summary>Completes once the adapter's subscriptions were sent (confirmed by Redis when it is reachable).</summary>
    public Task Ready => _ready.Task;

    /// <summary>The shared connections, options and metrics.</summary>
    public RedisAdapterFactory Factory { get; }

    private protected RedisAdapterOptions Options => Factory.Options;

    private protected ILogger Logger => Factory.Logger;

    private protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc />
    public override async Task InitAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await SubscribeAllAsync();
            await InitRecoveryAsync();
            _ready.TrySetResult();
        }
        catch (Exception ex)
        {
            Log.InitFailed(Logger, Namespace.Name, ex);
            _ready.TrySetException(ex);
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        DisposeRecovery();

        (SubscriptionKind Kind, string Name)[] subscriptions;
        lock (_subscriptions)
        {
            subscriptions = [.. _subscriptions];
            _subscriptions.Clear();
        }

        foreach (var (kind, name) in subscriptions)
        {
            await Factory.Subscriber.UnsubscribeAsync(kind, name);
        }

        foreach (var request in _requests.Values)
        {
            request.Completion.TrySetException(new ObjectDisposedException(GetType().Name, "The adapter was closed."));
        }

        _requests.Clear();
        _ackRequests.Clear();
        await base.DisposeAsync();
    }

    /// <summary>Issues the subscriptions this adapter needs.</summary>
    private protected abstract Task SubscribeAllAsync();

    private protected Task SubscribeAsync(SubscriptionKind kind, string name, Action<RedisPubSubMessage> handler)
    {
        lock (_subscriptions)
        {
            _subscriptions.Add((kind, name));
        }

        return Factory.Subscriber.SubscribeAsync(kind, name, message =>
        {
            if (IsDisposed)
            {
                return;
            }

            Factory.Metrics.Received();
            try
            {
                handler(message);
            }
            catch (Exception ex)
            {
                Log.MessageFailed(Logger, message.Channel, ex);
            }
        });
    }

    private protected Task UnsubscribeAsync(SubscriptionKind kind, string name)
    {
        lock (_subscriptions)
        {
            _subscriptions.Remove((kind, name));
        }

        return Factory.Subscriber.UnsubscribeAsync(kind, name);
    }

    /// <summary>Encodes with notepack's MessagePack, arguments serialized as for local clients.</summary>
    private protected byte[] EncodeMessagePack(object? value) => MessagePackSerializer.Serialize(value, SerializerOptions);

    /// <summary>Encodes as JSON.stringify would.</summary>
    private protected byte[] EncodeJson(object? value) => JavaScriptJson.Stringify(value, SerializerOptions);

    private protected void Dropped(string channel, string why)
    {
        Factory.Metrics.Dropped();
        Log.Dropped(Logger, channel, why);
    }

    private protected PendingRequest AddRequest(string requestId, int type, int expected, IEnumerable<object?>? initial = null)
    {
        var request = new PendingRequest(type, expected, initial);
        _requests[requestId] = request;
        return request;
    }

    private protected bool HasRequest(string? requestId) => requestId is not null && _requests.ContainsKey(requestId);

    private protected PendingRequest? FindRequest(string? requestId) =>
        requestId is not null && _requests.TryGetValue(requestId, out var request) ? request : null;

    /// <summary>Awaits a request's answers; on expiry fails with <paramref name="timeoutMessage"/>, as Node words it.</summary>
    private protected async Task<List<object?>> AwaitRequestAsync(string requestId, PendingRequest request, TimeSpan timeout, Func<PendingRequest, string> timeoutMessage)
    {
        if (!request.Published)
        {
            // Nobody will answer what was never sent: say so now rather than after the timeout.
            _requests.TryRemove(requestId, out _);
            Factory.Metrics.RequestTimedOut();
            throw new TimeoutException(timeoutMessage(request) + " (Redis is unreachable: the request could not be published)");
        }

        try
        {
            return await request.Completion.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Factory.Metrics.RequestTimedOut();
            throw new TimeoutException(timeoutMessage(request) + (Factory.IsConnected ? string.Empty : " (Redis is unreachable)"));
        }
        finally
        {
            _requests.TryRemove(requestId, out _);
        }
    }

    /// <summary>Remembers a broadcast awaiting remote acknowledgements, for <paramref name="lifetime"/>.</summary>
    private protected void AddAckRequest(string requestId, Action<int> clientCount, Action<SocketIOArguments> ack, TimeSpan lifetime)
    {
        _ackRequests[requestId] = new AckRequest(clientCount, ack);
        _ = ForgetAckRequestAsync(requestId, lifetime);
    }

    private protected bool HasAckRequest(string? requestId) => requestId is not null && _ackRequests.ContainsKey(requestId);

    /// <summary>Handles a BROADCAST_CLIENT_COUNT or BROADCAST_ACK answer; false if the request is unknown.</summary>
    private protected bool OnAckResponse(string? requestId, bool isClientCount, Dictionary<string, object?> body)
    {
        if (requestId is null || !_ackRequests.TryGetValue(requestId, out var request))
        {
            return false;
        }

        if (isClientCount)
        {
            request.ClientCount((int)(body.Integer("clientCount") ?? 0));
        }
        else
        {
            // An acknowledgement without argument arrives without "packet" (JavaScript's undefined).
            request.Ack(CreateArguments(body.TryGetValue("packet", out var value) ? [value] : []));
        }

        return true;
    }

    /// <summary>Builds the argument list of a server-side event received from another node.</summary>
    private protected SocketIOArguments ServerSideArguments(object?[] data) => CreateArguments(data.Length > 1 ? data[1..] : []);

    /// <summary>The first argument of an acknowledgement, or "absent" (JavaScript's undefined).</summary>
    private protected static bool TryGetFirst(object?[] args, out object? first)
    {
        first = args.Length > 0 ? args[0] : null;
        return args.Length > 0;
    }

    /// <summary>An acknowledgement callback that only acts on its first call, as Node's.</summary>
    private protected static AckCallback Once(Action<object?[]> answer)
    {
        var called = 0;
        return args =>
        {
            if (Interlocked.Exchange(ref called, 1) == 0)
            {
                answer(args);
            }
        };
    }

    private async Task ForgetAckRequestAsync(string requestId, TimeSpan lifetime)
    {
        await Task.Delay(lifetime);
        _ackRequests.TryRemove(requestId, out _);
    }

    private protected sealed class PendingRequest
    {
        public PendingRequest(int type, int expected, IEnumerable<object?>? initial)
        {
            Type = type;
            Expected = expected;
            Items = initial is null ? new List<object?>() : new List<object?>(initial);
        }

        public int Type { get; }

        public int Expected { get; }

        /// <summary>Answers counted so far (classic ALL_ROOMS/REMOTE_FETCH start at 1: the requester itself).</summary>
        public int Received { get; set; }

        public List<object?> Items { get; }

        /// <summary>Whether Redis took the request.</summary>
        public bool Published { get; set; } = true;

        public TaskCompletionSource<List<object?>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record AckRequest(Action<int> ClientCount, Action<SocketIOArguments> Ack);

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Error, "The Redis adapter of namespace {Namespace} could not subscribe.")]
        public static partial void InitFailed(ILogger logger, string @namespace, Exception exception);

        [LoggerMessage(31, LogLevel.Error, "A Redis message on {Channel} could not be handled.")]
        public static partial void MessageFailed(ILogger logger, string channel, Exception exception);

        [LoggerMessage(32, LogLevel.Debug, "Dropped a Redis message on {Channel}: {Why}.")]
        public static partial void Dropped(ILogger logger, string channel, string why);
    }
}
