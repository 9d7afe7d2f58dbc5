using System.Collections.Concurrent;
using System.Text.Json;
using Synapse.SocketIO.Adapters;
using Synapse.SocketIO.Redis.Tests.Infrastructure;
using Synapse.SocketIO.Tests.Infrastructure;
using Synapse.SocketIO.Tests.SocketIO;

namespace Synapse.SocketIO.Redis.Tests.Cluster;

/// <summary>
/// Connection state recovery across two of our nodes on one Redis: a socket.io-client connected to
/// node A drops, events are broadcast from both nodes meanwhile, and the client comes back on node B
/// (a new Manager pointed at B, presenting the saved pid and offset, as a client behind a load
/// balancer would), then back on A. Classic and sharded adapters.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RecoveryClusterTests(RedisFixture redis)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(15);

    private static async Task<(ClusterNode A, ClusterNode B, SioDriver Driver)> StartAsync(RedisServer server, bool sharded, TimeSpan window, string test)
    {
        var key = TestKeys.Next(test.Length > 20 ? test[..20] : test);
        void Recovery(SocketIOOptions o) => o.ConnectionStateRecovery = new ConnectionStateRecoveryOptions { MaxDisconnectionDuration = window };
        var a = await ClusterNode.StartAsync("A", server.ConnectionString, key, sharded, configureSocketIO: Recovery);
        var b = await ClusterNode.StartAsync("B", server.ConnectionString, key, sharded, configureSocketIO: Recovery);
        var driver = SioDriver.Start(a.BaseUri, TimeSpan.FromSeconds(60));
        await ClusterTest.WaitForServerCountAsync(2, a, b);
        // Node may take a while to start on a busy machine: wait until the driver answers.
        await driver.SendAsync(new { cmd = "ping", tag = "started" });
        await driver.WaitForAsync(m => m.GetProperty("event").GetString() == "pong", Long, what: "driver started");
        return (a, b, driver);
    }

    private static object Opts => new { reconnection = false, transports = new[] { "websocket" } };

    private static string[] Texts(SioDriver driver, string client) =>
        driver.Messages
            .Where(m => SioDriver.Is(m, client, "recv") && m.GetProperty("name").GetString() == "m")
            .Select(m => m.GetProperty("args")[0].GetString()!)
            .ToArray();

    private static string[] Offsets(SioDriver driver, string client) =>
        driver.Messages
            .Where(m => SioDriver.Is(m, client, "recv") && m.GetProperty("name").GetString() == "m")
            .Select(m => m.GetProperty("args")[m.GetProperty("args").GetArrayLength() - 1].GetString()!)
            .ToArray();

    /// <summary>Closes the client's connection, waits until <paramref name="node"/> kept its session; returns (pid, offset).</summary>
    private static async Task<(string Pid, string? Offset)> DropAsync(SioDriver driver, string client, ClusterNode node, string id)
    {
        var state = await driver.StateAsync(client);
        var pid = state.GetProperty("pid").GetString()!;
        var offset = state.GetProperty("offset").GetString();
        await driver.CloseEngineAsync(client);
        await Wait.UntilAsync(() => !node.HasSocket(id), Long, $"{node.Name} saw {client} drop");
        var sessionKey = node.Factory.Options.Key + "-session#/#" + pid;
        var deadline = DateTime.UtcNow + Long;
        while ((await node.Factory.Publisher.ExecuteAsync("EXISTS", sessionKey)).Integer != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the session was not kept in Redis");
            await Task.Delay(20);
        }

        return (pid, offset);
    }

    private static async Task<JsonElement> ResumeAsync(SioDriver driver, string client, ClusterNode node, string pid, string? offset)
    {
        var connect = await driver.ConnectAsync(client, auth: new { name = "x" }, opts: Opts, resume: new { pid, offset }, url: node.BaseUri.ToString().TrimEnd('/'));
        return connect;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_drops_on_one_node_recovers_on_the_other_with_every_missed_packet(bool sharded)
    {
        var (a, b, driver) = await StartAsync(redis.Server, sharded, TimeSpan.FromSeconds(60), nameof(A_client_that_drops_on_one_node_recovers_on_the_other_with_every_missed_packet));
        await using var nodeA = a;
        await using var nodeB = b;
        await using var _ = driver;

        var id = await a.ConnectAsync(driver, "c", ["room1"]);
        await ClusterTest.SettleAsync(a, b);
        b.Io.To("room1").Emit("m", "before");
        await driver.WaitForAsync("c", "recv", m => m.GetProperty("args")[0].GetString() == "before", Long);

        var (pid, offset) = await DropAsync(driver, "c", a, id);
        Assert.NotNull(offset);
        b.Io.To("room1").Emit("m", "from B to room1");
        a.Io.Emit("m", "from A to all");
        b.Io.To("room2").Emit("m", "not for c");
        a.Io.Except("room1").Emit("m", "not for c either");
        b.Io.Volatile.Emit("m", "volatile");
        a.Io.To(id).Emit("m", "to its id");
        b.Io.To("room1").Emit("m", "last", new byte[] { 1, 2 });

        // Back, on node B this time.
        var connect = await ResumeAsync(driver, "c-on-b", b, pid, offset);
        Assert.True(connect.GetProperty("recovered").GetBoolean(), connect.GetRawText());
        Assert.Equal(id, connect.GetProperty("id").GetString());
        await driver.WaitForAsync("c-on-b", "recv", m => m.GetProperty("args")[0].GetString() == "last", Long);
        await driver.BarrierAsync();
        // Two nodes' broadcasts have no order between them but the stream's: the client gets them in
        // offset order, and each node's own in the order it sent them.
        var replayed = Texts(driver, "c-on-b");
        Assert.Equal(["from A to all", "from B to room1", "last", "to its id"], replayed.Order());
        Assert.Equal(["from B to room1", "last"], replayed.Where(t => t is "from B to room1" or "last"));
        Assert.Equal(["from A to all", "to its id"], replayed.Where(t => t is "from A to all" or "to its id"));
        var offsets = Offsets(driver, "c-on-b");
        Assert.Equal(offsets.Order(Comparer<string>.Create(RecoveryOffset.Compare)), offsets);
        Assert.Equal(offsets.Length, offsets.Distinct().Count());

        var socket = await b.SocketAsync(id);
        Assert.True(socket.Recovered);
        Assert.True(socket.Rooms.SetEquals([id, "room1"]), string.Join(",", socket.Rooms));
        Assert.Equal("c", socket.Data["name"]?.ToString());

        // Live traffic carries offsets that the other node understands: drop again and go back to A.
        a.Io.To("room1").Emit("m", "live");
        await driver.WaitForAsync("c-on-b", "recv", m => m.GetProperty("args")[0].GetString() == "live", Long);
        var (pid2, offset2) = await DropAsync(driver, "c-on-b", b, id);
        Assert.Equal(pid, pid2);
        a.Io.To("room1").Emit("m", "while away again");
        var back = await ResumeAsync(driver, "c-on-a", a, pid2, offset2);
        Assert.True(back.GetProperty("recovered").GetBoolean(), back.GetRawText());
        Assert.Equal(id, back.GetProperty("id").GetString());
        await driver.WaitForAsync("c-on-a", "recv", m => m.GetProperty("args")[0].GetString() == "while away again", Long);
        await driver.BarrierAsync();
        Assert.Equal(["while away again"], Texts(driver, "c-on-a"));
        driver.AssertNoErrors();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_had_received_no_event_recovers_on_the_other_node_without_older_packets(bool sharded)
    {
        var (a, b, driver) = await StartAsync(redis.Server, sharded, TimeSpan.FromSeconds(60), nameof(A_client_that_had_received_no_event_recovers_on_the_other_node_without_older_packets));
        await using var nodeA = a;
        await using var nodeB = b;
        await using var _ = driver;

        // Packets logged before the client connected are not missed ones.
        var other = await b.ConnectAsync(driver, "other", ["room1"]);
        b.Io.To("room1").Emit("m", "old");
        await driver.WaitForAsync("other", "recv", m => m.GetProperty("args")[0].GetString() == "old", Long);

        var id = await a.ConnectAsync(driver, "c", ["room1"]);
        var (pid, offset) = await DropAsync(driver, "c", a, id);
        Assert.Null(offset);
        b.Io.To("room1").Emit("m", "missed");

        var connect = await ResumeAsync(driver, "c-on-b", b, pid, offset);
        Assert.True(connect.GetProperty("recovered").GetBoolean(), connect.GetRawText());
        Assert.Equal(id, connect.GetProperty("id").GetString());
        await driver.WaitForAsync("c-on-b", "recv", m => m.GetProperty("args")[0].GetString() == "missed", Long);
        await driver.BarrierAsync();
        Assert.Equal(["missed"], Texts(driver, "c-on-b"));
        Assert.NotEqual(id, other);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_session_not_recovered_in_time_expires_on_the_node_that_kept_it(bool sharded)
    {
        var (a, b, driver) = await StartAsync(redis.Server, sharded, TimeSpan.FromMilliseconds(800), nameof(A_session_not_recovered_in_time_expires_on_the_node_that_kept_it));
        await using var nodeA = a;
        await using var nodeB = b;
        await using var _ = driver;
        var expiredOnA = new ConcurrentQueue<PersistedSession>();
        var expiredOnB = new ConcurrentQueue<PersistedSession>();
        a.Io.Sockets.SessionExpired += (_, s) => expiredOnA.Enqueue(s);
        b.Io.Sockets.SessionExpired += (_, s) => expiredOnB.Enqueue(s);

        var id = await a.ConnectAsync(driver, "c", ["room1"]);
        var (pid, offset) = await DropAsync(driver, "c", a, id);
        await Wait.UntilAsync(() => !expiredOnA.IsEmpty, Long, "A tells the session expired");
        var session = Assert.Single(expiredOnA);
        Assert.Equal(id, session.Sid);
        Assert.Contains("room1", session.Rooms);

        var connect = await ResumeAsync(driver, "c-on-b", b, pid, offset);
        Assert.False(connect.GetProperty("recovered").GetBoolean());
        Assert.NotEqual(id, connect.GetProperty("id").GetString());
        Assert.Empty(expiredOnB);
    }
}
