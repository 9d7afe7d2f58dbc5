using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Redis.Tests.Infrastructure;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Redis.Tests.Cluster;

/// <summary>Redis stopped and started again while two nodes run (a Redis server of its own).</summary>
public sealed class RedisOutageTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Nodes_keep_serving_their_clients_and_resume_the_cluster_when_Redis_is_back(bool sharded)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var c = await TwoNodes.StartAsync(redis, sharded, configure: o => o.RequestsTimeout = TimeSpan.FromSeconds(1));
        c.A.Io.Emit("before");
        await c.ReceivedBy("before", "a1", "a2", "b1", "b2");
        var reconnectionsBefore = c.A.Factory.Publisher.ConnectionCount;

        await redis.StopAsync();
        await Wait.UntilAsync(() => !c.A.Factory.IsConnected && !c.B.Factory.IsConnected, because: "both nodes noticed Redis is gone");

        // Local traffic goes on: broadcasts, rooms, acknowledgements of local clients.
        c.A.Io.Emit("during");
        await c.Driver.ReceiveAsync("a1", "during");
        await c.Driver.ReceiveAsync("a2", "during");
        var a1 = await c.A.SocketAsync(c.Ids["a1"]);
        await c.A.Io.In("room1").SocketsJoinAsync("while-down");
        Assert.Contains("while-down", a1.Rooms);
        var localAcks = await c.A.Io.Local.Timeout(TimeSpan.FromSeconds(2)).EmitWithAckAsync("ack-me");
        Assert.Equal(2, localAcks.Count);

        // What should have reached B was dropped, counted and logged.
        await Wait.UntilAsync(() => c.A.Factory.Metrics.PublishFailures >= 2, because: "failed publications are counted");
        Assert.Contains(c.A.Host.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("could not be published to Redis", StringComparison.Ordinal));
        Assert.Contains(c.A.Host.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("lost its connection", StringComparison.Ordinal));

        // Requests that need the other nodes fail with a clear timeout.
        var fetch = await Assert.ThrowsAsync<TimeoutException>(() => c.A.Io.FetchSocketsAsync());
        Assert.Contains("unreachable", fetch.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TimeoutException>(() => c.A.Io.ServerSideEmitWithAckAsync(TimeSpan.FromSeconds(1), "sse-ack", "q"));
        await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => c.A.Io.Timeout(TimeSpan.FromMilliseconds(500)).EmitWithAckAsync("ack-me"));
        await Assert.ThrowsAsync<TimeoutException>(() => c.A.Adapter.ServerCountAsync());

        await c.Driver.BarrierAsync();
        Assert.Empty(c.Driver.Received("b1", "during"));

        // Redis comes back: both nodes reconnect and resubscribe, cross-node traffic resumes.
        await redis.StartAgainAsync();
        await Wait.UntilAsync(() => c.A.Factory.IsConnected && c.B.Factory.IsConnected, TimeSpan.FromSeconds(10), "both nodes reconnected");
        Assert.True(c.A.Factory.Publisher.ConnectionCount > reconnectionsBefore);
        await ClusterTest.WaitForServerCountAsync(2, c.A, c.B);
        await ClusterTest.SettleAsync(c.A, c.B);

        c.A.Io.Emit("after");
        await c.ReceivedBy("after", "a1", "a2", "b1", "b2");
        c.B.Io.To("room1").Emit("after-room");
        await c.ReceivedBy("after-room", "a1", "b1");
        Assert.Equal(4, (await c.B.Io.FetchSocketsAsync()).Count);
        var acks = await c.B.Io.Timeout(TimeSpan.FromSeconds(3)).EmitWithAckAsync("ack-me");
        Assert.Equal(4, acks.Count);
        Assert.Contains(c.A.Host.Logs.Entries, e => e.Message.Contains("reconnected", StringComparison.Ordinal));
    }
}
