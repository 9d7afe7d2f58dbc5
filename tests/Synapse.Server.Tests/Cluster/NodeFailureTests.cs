using System.Diagnostics;
using Xunit.Abstractions;

namespace Synapse.Server.Tests.Cluster;

/// <summary>Nodes that leave: cleanly (their users go offline at once) or by dying (found by their expired heartbeat).</summary>
public sealed class NodeFailureTests(SynapseCluster cluster, ITestOutputHelper output) : ClusterTest(cluster)
{
    [Fact]
    public async Task Stopping_a_node_turns_its_users_offline_for_the_others()
    {
        var leaving = await Cluster.StartNodeAsync();
        var alice = await A.RegisterAsync("alice");
        var carol = await A.RegisterAsync("carol");
        var room = await A.CreateRoomAsync(alice, isPrivate: true, carol);
        var a = await ConnectAsync(A.BaseUri, alice, "alice");
        await JoinAsync(a, room);
        await ConnectAsync(leaving.BaseUri, carol, "carol");
        await a.WaitForEventAsync("user:online", User(carol));

        // The node leaves the cluster as it stops (it removes its own heartbeat and counts), so the
        // offline can only come from its own clean-up: nobody sweeps it later.
        await leaving.StopAsync();

        await a.WaitForEventAsync("user:offline", User(carol), TimeSpan.FromSeconds(15));
        Assert.Equal([alice.Id], await OnlineAsync(a, room));
    }

    [Fact]
    public async Task A_node_process_that_dies_takes_its_users_presence_and_calls_with_it_within_the_bound()
    {
        var doomed = await Cluster.StartProcessAsync();
        var alice = await A.RegisterAsync("alice");
        var dave = await A.RegisterAsync("dave");
        var erin = await A.RegisterAsync("erin");
        var room = await A.CreateRoomAsync(alice, isPrivate: true, dave, erin);
        var a = await ConnectAsync(A.BaseUri, alice, "alice");
        await JoinAsync(a, room);

        // Erin is only on the doomed node; Dave has a tab there and one on B.
        var erinOnDoomed = await ConnectAsync(doomed.BaseUri, erin, "erin-doomed");
        await a.WaitForEventAsync("user:online", User(erin));
        await ConnectAsync(doomed.BaseUri, dave, "dave-doomed");
        await a.WaitForEventAsync("user:online", User(dave));
        var daveOnB = await ConnectAsync(B.BaseUri, dave, "dave-b");
        await daveOnB.SyncAsync();
        var callId = (await erinOnDoomed.EmitExpectingSuccessAsync("call:start", new { roomId = room, kind = "audio" })).GetProperty("callId").GetString();
        await a.WaitForEventAsync("call-incoming", p => p.GetProperty("callId").GetString() == callId);

        await doomed.KillAsync();
        var killed = Stopwatch.StartNew();

        // A surviving node finds the heartbeat expired: at most NodeTimeout + HeartbeatInterval after the last one.
        await a.WaitForEventAsync("user:offline", User(erin), TimeSpan.FromSeconds(20));
        var detected = killed.Elapsed;
        output.WriteLine($"offline announced {detected.TotalMilliseconds:0} ms after the kill (bound {(SynapseCluster.NodeTimeout + SynapseCluster.HeartbeatInterval).TotalMilliseconds:0} ms after the last heartbeat)");
        Assert.True(detected < SynapseCluster.NodeTimeout + SynapseCluster.HeartbeatInterval + TimeSpan.FromSeconds(10), $"took {detected}");
        var ended = await a.WaitForEventAsync("call:ended", p => p.GetProperty("callId").GetString() == callId);
        Assert.Equal("disconnected", ended.GetProperty("reason").GetString());
        await a.WaitForEventAsync("notification", p => p.GetProperty("type").GetString() == "missed_call");

        // The same sweep removed Dave's tab on the dead node, but his tab on B keeps him online.
        await a.SyncAsync();
        a.AssertNone("user:offline", User(dave));
        Assert.Equal(new[] { alice.Id, dave.Id }.Order(StringComparer.Ordinal), await OnlineAsync(a, room));

        await daveOnB.DisconnectAsync();
        await a.WaitForEventAsync("user:offline", User(dave));
        Assert.Equal([alice.Id], await OnlineAsync(a, room));
    }

    [Fact]
    public async Task A_node_given_up_while_alive_counts_its_users_again_when_it_is_back()
    {
        var stalled = await Cluster.StartProcessAsync();
        var alice = await A.RegisterAsync("alice");
        var frank = await A.RegisterAsync("frank");
        var room = await A.CreateRoomAsync(alice, isPrivate: true, frank);
        var a = await ConnectAsync(A.BaseUri, alice, "alice");
        await JoinAsync(a, room);
        var f = await ConnectAsync(stalled.BaseUri, frank, "frank");
        await a.WaitForEventAsync("user:online", User(frank));

        // Frozen longer than NodeTimeout (but well within the clients' ping timeout of 45 s).
        stalled.Pause();
        try
        {
            await a.WaitForEventAsync("user:offline", User(frank), TimeSpan.FromSeconds(20));
            Assert.Equal([alice.Id], await OnlineAsync(a, room));
        }
        finally
        {
            stalled.Resume();
        }

        // Its next heartbeat finds it was given up: it counts Frank's connection again.
        await a.WaitForEventAsync("user:online", User(frank), TimeSpan.FromSeconds(20));
        Assert.Equal(new[] { alice.Id, frank.Id }.Order(StringComparer.Ordinal), await OnlineAsync(a, room));
        await f.SyncAsync();

        await f.DisconnectAsync();
        await a.WaitForEventAsync("user:offline", User(frank));
    }
}
