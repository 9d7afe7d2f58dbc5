using Synapse.SocketIO.Adapters;

namespace Synapse.SocketIO;

/// <summary>
/// Describes a broadcast: target rooms, excluded rooms and flags. Immutable: every modifier
/// returns a new operator, so one can be kept and reused. <see cref="Emit"/> hands a single
/// description to the adapter, which encodes the packet once for all recipients.
/// </summary>
public sealed class BroadcastOperator
{
    private readonly Namespace _namespace;
    private readonly BroadcastOptions _options;

    internal BroadcastOperator(Namespace nsp, BroadcastOptions options)
    {
        _namespace = nsp;
        _options = options;
    }

    /// <summary>Who and how this operator targets.</summary>
    public BroadcastOptions Options => _options;

    /// <summary>Adds target rooms (a socket in several of them receives the packet once).</summary>
    public BroadcastOperator To(params string[] rooms) => With(_options with { Rooms = Union(_options.Rooms, rooms) });

    /// <summary>Adds target rooms.</summary>
    public BroadcastOperator To(IEnumerable<string> rooms) => With(_options with { Rooms = Union(_options.Rooms, rooms) });

    /// <summary>Same as <see cref="To(string[])"/>.</summary>
    public BroadcastOperator In(params string[] rooms) => To(rooms);

    /// <summary>Same as <see cref="To(IEnumerable{string})"/>.</summary>
    public BroadcastOperator In(IEnumerable<string> rooms) => To(rooms);

    /// <summary>Excludes the sockets of these rooms.</summary>
    public BroadcastOperator Except(params string[] rooms) => With(_options with { Except = Union(_options.Except, rooms) });

    /// <summary>Excludes the sockets of these rooms.</summary>
    public BroadcastOperator Except(IEnumerable<string> rooms) => With(_options with { Except = Union(_options.Except, rooms) });

    /// <summary>Drops the packet for clients that cannot take it right now.</summary>
    public BroadcastOperator Volatile => With(_options with { Flags = _options.Flags with { Volatile = true } });

    /// <summary>Only this node's clients, even with a cluster adapter.</summary>
    public BroadcastOperator Local => With(_options with { Flags = _options.Flags with { Local = true } });

    /// <summary>Whether the packet may be compressed.</summary>
    public BroadcastOperator Compress(bool compress) => With(_options with { Flags = _options.Flags with { Compress = compress } });

    /// <summary>How long <see cref="EmitWithAckAsync(string, object?[])"/> waits for acknowledgements.</summary>
    public BroadcastOperator Timeout(TimeSpan timeout) => With(_options with { Flags = _options.Flags with { Timeout = timeout } });

    /// <summary>Emits an event to every targeted client.</summary>
    /// <exception cref="ArgumentException"><paramref name="eventName"/> is reserved.</exception>
    public bool Emit(string eventName, params object?[] args)
    {
        ThrowIfReserved(eventName);
        _namespace.Server.Metrics.Broadcast();
        _namespace.Adapter.Broadcast(OutgoingPacket.Event(_namespace.Name, eventName, args), _options);
        return true;
    }

    /// <summary>
    /// Emits an event to every targeted client and gathers their acknowledgements. Completes when
    /// every reached client (on every node) answered; with <see cref="Timeout"/>, fails after it
    /// with a <see cref="SocketIOAckTimeoutException"/> that tells how many did not answer.
    /// </summary>
    public Task<IReadOnlyList<SocketIOArguments>> EmitWithAckAsync(string eventName, params object?[] args) =>
        EmitWithAckAsync(eventName, args, CancellationToken.None);

    /// <inheritdoc cref="EmitWithAckAsync(string, object?[])"/>
    public async Task<IReadOnlyList<SocketIOArguments>> EmitWithAckAsync(string eventName, object?[] args, CancellationToken cancellationToken)
    {
        ThrowIfReserved(eventName);
        var collector = new AckCollector();
        _namespace.Server.Metrics.Broadcast();
        _namespace.Adapter.BroadcastWithAck(OutgoingPacket.Event(_namespace.Name, eventName, args), _options, collector.AddClientCount, collector.AddResponse);
        if (_options.Flags.Local)
        {
            collector.SetServerCount(1);
        }
        else
        {
            // As in Node, the timeout also covers learning how many nodes there are (a cluster
            // adapter asks its broker, which may be slow or unreachable).
            _ = SetServerCountAsync(_namespace.Adapter, collector);
        }

        try
        {
            var task = collector.Task.WaitAsync(cancellationToken);
            return _options.Flags.Timeout is { } timeout ? await task.WaitAsync(timeout, cancellationToken) : await task;
        }
        catch (TimeoutException) when (!collector.Task.IsFaulted)
        {
            throw collector.TimeoutError();
        }
    }

    /// <summary>The targeted sockets, on every node.</summary>
    public Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync() => _namespace.Adapter.FetchSocketsAsync(_options);

    /// <summary>Makes the targeted sockets join rooms.</summary>
    public Task SocketsJoinAsync(params string[] rooms) => _namespace.Adapter.AddSocketsAsync(_options, rooms);

    /// <summary>Makes the targeted sockets leave rooms.</summary>
    public Task SocketsLeaveAsync(params string[] rooms) => _namespace.Adapter.DelSocketsAsync(_options, rooms);

    /// <summary>Disconnects the targeted sockets; <paramref name="close"/> also closes their connections.</summary>
    public Task DisconnectSocketsAsync(bool close = false) => _namespace.Adapter.DisconnectSocketsAsync(_options, close);

    private BroadcastOperator With(BroadcastOptions options) => new(_namespace, options);

    private static async Task SetServerCountAsync(Adapters.Adapter adapter, AckCollector collector)
    {
        try
        {
            collector.SetServerCount(await adapter.ServerCountAsync());
        }
        catch (Exception ex)
        {
            collector.Fail(ex);
        }
    }

    private static HashSet<string> Union(IReadOnlySet<string> existing, IEnumerable<string> added)
    {
        var set = new HashSet<string>(existing, StringComparer.Ordinal);
        set.UnionWith(added);
        return set;
    }

    private static void ThrowIfReserved(string eventName)
    {
        if (Internal.ReservedEvents.Contains(eventName))
        {
            throw new ArgumentException($"\"{eventName}\" is a reserved event name", nameof(eventName));
        }
    }

    /// <summary>Counts answers against the clients reached, node by node, as Node's operator does.</summary>
    private sealed class AckCollector
    {
        private readonly object _sync = new();
        private readonly List<SocketIOArguments> _responses = new();
        private readonly TaskCompletionSource<IReadOnlyList<SocketIOArguments>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _expectedServers = -1;
        private int _answeredServers;
        private int _expectedClients;

        public Task<IReadOnlyList<SocketIOArguments>> Task => _completion.Task;

        public void AddClientCount(int count)
        {
            lock (_sync)
            {
                _expectedClients += count;
                _answeredServers++;
                Check();
            }
        }

        public void AddResponse(SocketIOArguments response)
        {
            lock (_sync)
            {
                _responses.Add(response);
                Check();
            }
        }

        public void SetServerCount(int count)
        {
            lock (_sync)
            {
                _expectedServers = count;
                Check();
            }
        }

        public void Fail(Exception error) => _completion.TrySetException(error);

        public SocketIOAckTimeoutException TimeoutError()
        {
            lock (_sync)
            {
                return new SocketIOAckTimeoutException(_expectedClients, _responses.Count, _responses.ToArray());
            }
        }

        private void Check()
        {
            if (_expectedServers == _answeredServers && _responses.Count >= _expectedClients)
            {
                _completion.TrySetResult(_responses.ToArray());
            }
        }
    }
}
