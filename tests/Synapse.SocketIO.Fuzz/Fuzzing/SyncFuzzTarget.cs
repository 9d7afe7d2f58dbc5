namespace Synapse.SocketIO.Fuzz.Fuzzing;

/// <summary>A target that runs each input synchronously on the fuzzer's thread (the decoders).</summary>
public abstract class SyncFuzzTarget : FuzzTarget
{
    /// <summary>Runs one input.</summary>
    public abstract void Run(byte[] input);

    /// <inheritdoc />
    public sealed override ValueTask RunAsync(byte[] input, CancellationToken cancellationToken)
    {
        Run(input);
        return ValueTask.CompletedTask;
    }
}
