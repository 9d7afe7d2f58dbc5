using Synapse.SocketIO.Fuzz.Fuzzing;
using Synapse.SocketIO.Fuzz.Targets;
using Xunit.Abstractions;

namespace Synapse.SocketIO.Fuzz.Ci;

/// <summary>
/// Each target for a bounded run (a fixed seed, so CI is repeatable; at most 20,000 inputs or 10 s
/// per decoder target, 1,500 connections or 20 s against the real server, 600 permessage-deflate
/// sessions or 15 s against the server with compression on, health checks included).
/// The long runs are <c>scripts/fuzz</c>'s job.
/// </summary>
public sealed class BoundedFuzzTests(ITestOutputHelper output)
{
    private const int CiSeed = 20261122;

    [Theory]
    [InlineData("engine-payload")]
    [InlineData("socketio-packet")]
    [InlineData("msgpack")]
    [InlineData("redis-message")]
    [InlineData("resp")]
    public Task Decoder_target_survives_a_bounded_run(string name) =>
        RunAsync(name, iterations: 20_000, TimeSpan.FromSeconds(10));

    [Fact]
    public Task Server_target_survives_a_bounded_run() =>
        RunAsync("server", iterations: 1_500, TimeSpan.FromSeconds(20));

    [Fact]
    public Task Server_with_permessage_deflate_survives_a_bounded_run() =>
        RunAsync("server-deflate", iterations: 600, TimeSpan.FromSeconds(15));

    internal async Task RunAsync(string name, long iterations, TimeSpan duration)
    {
        await using var target = FuzzTargets.Create(name);
        await target.StartAsync();
        var log = new StringWriter();
        var result = await FuzzRunner.RunAsync(target, new FuzzRunOptions
        {
            Seed = CiSeed,
            Iterations = iterations,
            Duration = duration,
            MaxFailures = 3,
            Log = log,
        });
        output.WriteLine(result.ToString());

        Assert.True(result.Failures.Count == 0, string.Join("\n", result.Failures.Select(f => f.Describe())));
        Assert.True(result.Inputs > 0);
    }
}
