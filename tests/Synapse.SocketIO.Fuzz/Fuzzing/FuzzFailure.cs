namespace Synapse.SocketIO.Fuzz.Fuzzing;

/// <summary>What went wrong with one input.</summary>
public enum FuzzFailureKind
{
    /// <summary>An exception other than the documented error escaped.</summary>
    Exception,

    /// <summary>A property the target checks was broken.</summary>
    Property,

    /// <summary>The input took longer than the target's time bound.</summary>
    Slow,

    /// <summary>The input allocated more than its bound.</summary>
    Allocation,

    /// <summary>The health check after a batch failed.</summary>
    Health,
}

/// <summary>One failing input, with what it takes to reproduce it.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="RunSeed">The seed of the run.</param>
/// <param name="Iteration">The input's index in the run (-1 for a replayed input or a health check).</param>
/// <param name="Kind">What went wrong.</param>
/// <param name="Signature">What identifies the fault (the same fault from other inputs is counted, not repeated).</param>
/// <param name="Detail">The exception or the measurement.</param>
/// <param name="Input">The input.</param>
public sealed record FuzzFailure(string Target, int RunSeed, long Iteration, FuzzFailureKind Kind, string Signature, string Detail, byte[] Input)
{
    /// <summary>The failing input after minimization, when it was minimized.</summary>
    public byte[]? Minimized { get; init; }

    /// <summary>How many inputs hit the same signature.</summary>
    public int Occurrences { get; set; } = 1;

    /// <summary>A report with the command lines that replay the input.</summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"FAILURE [{Target}] {Kind}: {Signature} (seen {Occurrences}x)");
        text.AppendLine($"  {Detail.ReplaceLineEndings("\n  ")}");
        if (Iteration >= 0)
        {
            text.AppendLine($"  reproduce: scripts/fuzz {Target} --seed {RunSeed} --iteration {Iteration}");
        }

        text.AppendLine($"  input ({Input.Length} bytes) base64: {Convert.ToBase64String(Input)}");
        text.AppendLine($"  input hex: {Preview(Input)}");
        if (Minimized is { } minimized)
        {
            text.AppendLine($"  minimized ({minimized.Length} bytes) base64: {Convert.ToBase64String(minimized)}");
            text.AppendLine($"  minimized hex: {Preview(minimized)}");
            text.AppendLine($"  replay: scripts/fuzz {Target} --input {Convert.ToBase64String(minimized)}");
        }
        else
        {
            text.AppendLine($"  replay: scripts/fuzz {Target} --input {Convert.ToBase64String(Input)}");
        }

        return text.ToString();
    }

    private static string Preview(byte[] bytes) =>
        bytes.Length <= 256 ? Convert.ToHexString(bytes) : Convert.ToHexString(bytes, 0, 256) + "...";
}
