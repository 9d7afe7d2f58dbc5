using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Adapters;

namespace Synapse.SocketIO;

/// <summary>
/// A dynamic namespace (<c>server.Of(regex)</c> or <c>server.Of(predicate)</c>): it creates a child
/// namespace for every name it accepts, copying its middlewares and connection handlers, and a
/// broadcast from it reaches every child.
/// </summary>
public sealed class ParentNamespace : Namespace
{
    private static int s_count;
    private readonly ConcurrentDictionary<string, Namespace> _children = new(StringComparer.Ordinal);

    internal ParentNamespace(SocketIOServer server, Func<string, JsonElement, ValueTask<bool>> matcher, ILogger logger)
        : base(server, "/_" + Interlocked.Increment(ref s_count), logger)
    {
        Matcher = matcher;
    }

    /// <summary>The child namespaces created so far.</summary>
    public IReadOnlyCollection<Namespace> Children => (IReadOnlyCollection<Namespace>)_children.Values;

    internal Func<string, JsonElement, ValueTask<bool>> Matcher { get; }

    internal Namespace CreateChild(string name, Func<string, Namespace> create)
    {
        var child = _children.GetOrAdd(name, create);
        child.CopyHandlersFrom(this);
        return child;
    }

    internal void RemoveChild(string name) => _children.TryRemove(name, out _);

    /// <inheritdoc />
    protected override Adapter CreateAdapter() => new ParentBroadcastAdapter(this);

    /// <summary>Forwards broadcasts to every child's adapter.</summary>
    private sealed class ParentBroadcastAdapter(ParentNamespace parent) : InMemoryAdapter(parent)
    {
        public override void Broadcast(OutgoingPacket packet, BroadcastOptions options)
        {
            foreach (var child in parent._children.Values)
            {
                child.Adapter.Broadcast(packet with { Namespace = child.Name }, options);
            }
        }

        public override async Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options)
        {
            var all = new List<RemoteSocket>();
            foreach (var child in parent._children.Values)
            {
                all.AddRange(await child.Adapter.FetchSocketsAsync(options));
            }

            return all;
        }

        public override async Task AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
        {
            foreach (var child in parent._children.Values)
            {
                await child.Adapter.AddSocketsAsync(options, rooms);
            }
        }

        public override async Task DelSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
        {
            foreach (var child in parent._children.Values)
            {
                await child.Adapter.DelSocketsAsync(options, rooms);
            }
        }

        public override async Task DisconnectSocketsAsync(BroadcastOptions options, bool close)
        {
            foreach (var child in parent._children.Values)
            {
                await child.Adapter.DisconnectSocketsAsync(options, close);
            }
        }
    }
}
