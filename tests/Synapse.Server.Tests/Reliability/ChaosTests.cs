using Xunit.Abstractions;

namespace Synapse.Server.Tests.Reliability;

/// <summary>
/// The short version of <c>scripts/chaos</c> (docs/RELIABILITY.md, "Chaos"): two Synapse nodes in
/// their own processes on one redis-server and one throwaway PostgreSQL cluster (both started by
/// the harness), 60 official socket.io-client clients given both URLs, chatting across the nodes;
/// one node is killed with SIGKILL 12 s in, its clients move to the other, catch up and resend.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Clients_of_a_killed_node_move_to_the_other_and_no_acknowledged_message_is_lost()
    {
        var (exitCode, summary) = await ReliabilityRun.RunAsync(output, TimeSpan.FromMinutes(5),
            "--mode", "chaos", "--clients", "60", "--duration", "30s", "--kill-at", "0.4", "--room-size", "10",
            "--send-interval", "2s", "--chaos-interval", "15s", "--offline-max", "2s",
            "--warmup", "5s", "--sample-interval", "2s");

        Assert.True(exitCode == 0, ReliabilityRun.Violations(summary));
        Assert.Equal(0, summary.GetProperty("lost").GetInt32());
        Assert.Equal(0, summary.GetProperty("storedTwice").GetInt32());
        Assert.Equal(0, summary.GetProperty("missedDeliveries").GetInt32());

        // The kill happened, and about half the clients (those on the killed node) moved.
        Assert.True(summary.TryGetProperty("killedAtSeconds", out _), "no node was killed");
        Assert.True(ReliabilityRun.Stat(summary, "urlSwitches") >= 20, "too few clients moved to the surviving node");
        Assert.True(summary.GetProperty("acknowledged").GetInt32() >= 200, "too few messages acknowledged");
        Assert.True(ReliabilityRun.Stat(summary, "catchUpRequests") > 0, "no catch-up");
    }
}
