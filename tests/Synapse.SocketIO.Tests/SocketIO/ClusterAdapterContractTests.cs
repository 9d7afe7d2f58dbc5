using Microsoft.Extensions.Options;
using Synapse.SocketIO.Adapters;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>What the adapter contract offers cluster adapters (Synapse.SocketIO.Redis uses all of it).</summary>
public sealed class ClusterAdapterContractTests
{
    [Fact]
    public async Task EmitWithAck_timeout_also_covers_learning_the_server_count()
    {
        await using var server = Server(nsp => new FakeClusterAdapter(nsp) { ServerCount = () => Task.Delay(TimeSpan.FromSeconds(30)).ContinueWith(_ => 2) });
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => server.Timeout(TimeSpan.FromMilliseconds(200)).EmitWithAckAsync("x"));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Equal(0, error.Expected);
    }

    [Fact]
    public async Task EmitWithAck_fails_with_the_adapters_error_when_the_server_count_cannot_be_known()
    {
        await using var server = Server(nsp => new FakeClusterAdapter(nsp) { ServerCount = () => Task.FromException<int>(new TimeoutException("broker unreachable")) });
        var error = await Assert.ThrowsAsync<TimeoutException>(() => server.Timeout(TimeSpan.FromSeconds(5)).EmitWithAckAsync("x"));
        Assert.Equal("broker unreachable", error.Message);
        Assert.IsNotType<SocketIOAckTimeoutException>(error);
    }

    [Fact]
    public async Task Remote_answers_become_arguments_with_binary_attachments()
    {
        await using var server = Server(nsp => new FakeClusterAdapter(nsp));
        var adapter = (FakeClusterAdapter)server.Sockets.Adapter;
        var args = adapter.Arguments(["text", new byte[] { 1, 2 }, new Dictionary<string, object?> { ["nested"] = new byte[] { 3 }, ["n"] = 2L }]);
        Assert.Equal(3, args.Count);
        Assert.Equal("text", args.GetValue<string>(0));
        Assert.Equal([1, 2], args.GetValue<byte[]>(1));
        Assert.Equal([3], args.GetValue<Holder>(2)!.Nested);
        Assert.Equal(new byte[] { 3 }, ((Dictionary<string, object?>)args.ToObjects()[2]!)["nested"]);
        Assert.Equal(2, args.Attachments.Count);
    }

    [Fact]
    public async Task Server_side_handlers_get_an_acknowledgement_callback()
    {
        await using var server = Server(nsp => new FakeClusterAdapter(nsp));
        var adapter = (FakeClusterAdapter)server.Sockets.Adapter;
        string? plain = null;
        server.Sockets.OnServerSideEmit("question", args => plain = args.GetValue<string>(0));
        server.Sockets.OnServerSideEmit("question", (args, ack) =>
        {
            ack("answer to " + args.GetValue<string>(0));
            ack("ignored by the adapter's callback");
        });

        var answers = new List<object?[]>();
        server.Sockets.OnServerSideEvent("question", adapter.Arguments(["life"]), args => answers.Add(args));
        Assert.Equal("life", plain);
        // The same callback goes to every handler: "first call only" is the adapter's rule (Node's).
        Assert.Equal("answer to life", answers[0].Single());

        // Without an acknowledgement requested, the callback is a harmless no-op.
        server.Sockets.OnServerSideEvent("question", adapter.Arguments(["again"]));
        Assert.Equal("again", plain);
    }

    [Fact]
    public async Task Remote_sockets_mark_their_operations_as_single_response()
    {
        OutgoingPacket? seen = null;
        BroadcastOptions? options = null;
        await using var server = Server(nsp => new FakeClusterAdapter(nsp) { OnBroadcast = (p, o) => (seen, options) = (p, o) });
        var remote = new RemoteSocket(server.Sockets, "abc", null!, new HashSet<string> { "abc" }, new Dictionary<string, object?>());
        remote.Emit("direct", 1);
        Assert.Equal("direct", seen!.Data[0]);
        Assert.True(options!.Flags.ExpectSingleResponse);
        Assert.True(options.Rooms.SetEquals(["abc"]));
    }

    private static SocketIOServer Server(Func<Namespace, Adapter> factory) =>
        new(Options.Create(new SocketIOOptions { AdapterFactory = factory }));

    private sealed record Holder(byte[] Nested);

    private sealed class FakeClusterAdapter(Namespace nsp) : InMemoryAdapter(nsp)
    {
        public Func<Task<int>>? ServerCount { get; init; }

        public Action<OutgoingPacket, BroadcastOptions>? OnBroadcast { get; init; }

        public SocketIOArguments Arguments(object?[] values) => CreateArguments(values);

        public override Task<int> ServerCountAsync() => ServerCount?.Invoke() ?? base.ServerCountAsync();

        public override void Broadcast(OutgoingPacket packet, BroadcastOptions options)
        {
            OnBroadcast?.Invoke(packet, options);
            base.Broadcast(packet, options);
        }
    }
}
