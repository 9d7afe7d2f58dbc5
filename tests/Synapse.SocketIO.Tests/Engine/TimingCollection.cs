namespace Synapse.SocketIO.Tests.Engine;

/// <summary>
/// Tests that assert on timer precision run alone, after the parallel ones, so a busy thread pool
/// cannot stretch their measurements.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Engine timing";
}
