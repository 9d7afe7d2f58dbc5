using Xunit.Abstractions;

namespace Synapse.Server.Tests.Reliability;

/// <summary>
/// The short version of <c>scripts/soak</c> (docs/RELIABILITY.md, "Soak"): the Release or Debug
/// server in its own process, 60 official socket.io-client clients chatting in shared rooms for
/// 25 s with transport drops and full disconnects every few seconds each.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task No_acknowledged_message_is_lost_or_duplicated_and_memory_stays_flat_under_disconnects()
    {
        var (exitCode, summary) = await ReliabilityRun.RunAsync(output, TimeSpan.FromMinutes(4),
            "--mode", "soak", "--clients", "60", "--duration", "25s", "--room-size", "10",
            "--send-interval", "2s", "--chaos-interval", "8s", "--offline-max", "2s",
            "--warmup", "8s", "--sample-interval", "2s");

        Assert.True(exitCode == 0, ReliabilityRun.Violations(summary));
        Assert.Equal(0, summary.GetProperty("lost").GetInt32());
        Assert.Equal(0, summary.GetProperty("storedTwice").GetInt32());
        Assert.Equal(0, summary.GetProperty("missedDeliveries").GetInt32());

        // The run did what it claims: messages flowed, connections dropped and came back, and
        // the clients caught up and resent.
        Assert.True(summary.GetProperty("acknowledged").GetInt32() >= 200, "too few messages acknowledged");
        Assert.True(ReliabilityRun.Stat(summary, "connects") > 60 + 20, "too few reconnections");
        Assert.True(ReliabilityRun.Stat(summary, "catchUpRequests") > 0, "no catch-up");
        Assert.True(ReliabilityRun.Stat(summary, "resends") > 0, "no resend");
    }
}
