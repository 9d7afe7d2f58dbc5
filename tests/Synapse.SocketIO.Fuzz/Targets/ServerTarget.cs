using Synapse.SocketIO.Fuzz.Fuzzing;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>Placeholder until the server target lands.</summary>
public sealed class ServerTarget : FuzzTarget
{
    public override string Name => "server";
    public override string Description => "(not yet)";
    public override IReadOnlyList<byte[]> Seeds { get; } = [[0]];
    public override ValueTask RunAsync(byte[] input, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
