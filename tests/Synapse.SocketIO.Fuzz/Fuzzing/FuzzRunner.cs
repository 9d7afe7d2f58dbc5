using System.Diagnostics;

namespace Synapse.SocketIO.Fuzz.Fuzzing;

/// <summary>How long a run lasts and where its output goes.</summary>
public sealed record FuzzRunOptions
{
    /// <summary>The run's seed: input <c>i</c> is generated from <see cref="FuzzRunner.InputSeed"/>(seed, i).</summary>
    public int Seed { get; init; }

    /// <summary>Stop after this many inputs (null: no limit).</summary>
    public long? Iterations { get; init; }

    /// <summary>Stop after this long (null: no limit).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Run only the input with this index (regenerated from <see cref="Seed"/>).</summary>
    public long? OnlyIteration { get; init; }

    /// <summary>Stop after this many distinct failures.</summary>
    public int MaxFailures { get; init; } = 20;

    /// <summary>Minimize failing inputs (synchronous targets only).</summary>
    public bool Minimize { get; init; } = true;

    /// <summary>Progress and failures are written here (null: nowhere).</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Write each input's time and first line (slow inputs show up).</summary>
    public bool Verbose { get; init; }

    /// <summary>How often progress is written.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The outcome of a run.</summary>
public sealed record FuzzRunResult(string Target, int Seed, long Inputs, TimeSpan Elapsed, IReadOnlyList<FuzzFailure> Failures, long MaxAllocatedBytes, TimeSpan SlowestInput)
{
    /// <summary>A one-line summary.</summary>
    public override string ToString() =>
        $"[{Target}] seed {Seed}: {Inputs:N0} inputs in {Elapsed.TotalSeconds:F1} s ({Inputs / Math.Max(0.001, Elapsed.TotalSeconds):N0}/s), " +
        $"{Failures.Count} distinct failure(s), slowest input {SlowestInput.TotalMilliseconds:F1} ms, most allocated by one input {MaxAllocatedBytes:N0} B";
}

/// <summary>
/// Runs a target over generated inputs and checks, per input: no exception escapes, the time bound,
/// and (for synchronous targets) the allocation bound; per batch: the target's health check.
/// Inputs are reproducible: input <c>i</c> of a run with seed <c>S</c> is always the same.
/// </summary>
public static class FuzzRunner
{
    /// <summary>The seed of input <paramref name="iteration"/> of a run (SplitMix64: stable across processes and platforms).</summary>
    public static int InputSeed(int runSeed, long iteration)
    {
        var z = unchecked(((ulong)(uint)runSeed << 32) + (ulong)iteration + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }

    /// <summary>Input <paramref name="iteration"/> of the run with seed <paramref name="runSeed"/>.</summary>
    public static byte[] Generate(FuzzTarget target, int runSeed, long iteration)
    {
        var mutator = new Mutator(target.Seeds, target.Tokens, target.MaxInputLength);
        return target.Generate(new Random(InputSeed(runSeed, iteration)), mutator);
    }

    /// <summary>Runs <paramref name="target"/> (already started) with <paramref name="options"/>.</summary>
    public static async Task<FuzzRunResult> RunAsync(FuzzTarget target, FuzzRunOptions options)
    {
        var failures = new Dictionary<string, FuzzFailure>(StringComparer.Ordinal);
        var mutator = new Mutator(target.Seeds, target.Tokens, target.MaxInputLength);
        var clock = Stopwatch.StartNew();
        long maxAllocated = 0;
        var slowest = TimeSpan.Zero;

        // Warm up (JIT, static state) so that the first measured inputs are not charged for it;
        // the seeds must pass every check too.
        foreach (var seed in target.Seeds)
        {
            await ExecuteAsync(target, seed, measure: false);
        }

        foreach (var seed in target.Seeds)
        {
            if (await ExecuteAsync(target, seed, target.MeasuresAllocation) is { } problem)
            {
                Record(target, options, failures, problem with { RunSeed = options.Seed, Iteration = -1 });
            }
        }

        long inputs = 0;
        var nextProgress = options.ProgressInterval;
        var first = options.OnlyIteration ?? 0;
        for (var iteration = first; ; iteration++)
        {
            if (options.OnlyIteration is not null && iteration > options.OnlyIteration
                || options.Iterations is { } max && inputs >= max
                || options.Duration is { } duration && clock.Elapsed >= duration
                || failures.Count >= options.MaxFailures)
            {
                break;
            }

            var input = target.Generate(new Random(InputSeed(options.Seed, iteration)), mutator);
            var outcome = await ExecuteAsync(target, input, target.MeasuresAllocation);
            inputs++;
            if (outcome is { } failure)
            {
                Record(target, options, failures, failure with { RunSeed = options.Seed, Iteration = iteration });
            }

            if (options.Verbose)
            {
                var head = System.Text.Encoding.Latin1.GetString(input, 0, Math.Min(input.Length, 60)).ReplaceLineEndings(" ");
                options.Log?.WriteLine($"  #{iteration} {s_lastElapsed.TotalMilliseconds,8:F1} ms {input.Length,6} B {head}");
            }

            maxAllocated = Math.Max(maxAllocated, s_lastAllocated);
            if (s_lastElapsed > slowest)
            {
                slowest = s_lastElapsed;
            }

            if (inputs % target.BatchSize == 0)
            {
                await CheckHealthAsync(target, options, failures);
            }

            if (options.Log is { } log && clock.Elapsed >= nextProgress)
            {
                nextProgress = clock.Elapsed + options.ProgressInterval;
                log.WriteLine($"[{target.Name}] {inputs:N0} inputs, {inputs / clock.Elapsed.TotalSeconds:N0}/s, {failures.Count} failure(s), {clock.Elapsed:hh\\:mm\\:ss}");
                log.Flush();
            }
        }

        await CheckHealthAsync(target, options, failures);
        if (options.OnlyIteration is null)
        {
            try
            {
                await target.CheckAtEndAsync();
            }
            catch (FuzzPropertyException ex)
            {
                Record(target, options, failures, new FuzzFailure(target.Name, options.Seed, -1, FuzzFailureKind.Health, ex.Message, ex.Message, []));
            }
        }

        return new FuzzRunResult(target.Name, options.Seed, inputs, clock.Elapsed, [.. failures.Values], target.MaxAllocatedByOneInput ?? maxAllocated, slowest);
    }

    /// <summary>Runs one given input and reports what went wrong, if anything.</summary>
    public static async Task<FuzzFailure?> RunOneAsync(FuzzTarget target, byte[] input)
    {
        // Twice: the first run pays for JIT and static initialization.
        await ExecuteAsync(target, input, measure: false);
        return await ExecuteAsync(target, input, target.MeasuresAllocation);
    }

    [ThreadStatic]
    private static long s_lastAllocated;

    [ThreadStatic]
    private static TimeSpan s_lastElapsed;

    private static async ValueTask<FuzzFailure?> ExecuteAsync(FuzzTarget target, byte[] input, bool measure)
    {
        // Synchronous targets cannot be cancelled; asynchronous ones get a token that ends waits on the wire.
        using var timeout = target is SyncFuzzTarget ? null : new CancellationTokenSource(target.TimeBound);
        Watchdog.Begin(target, input);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        Exception? error = null;
        try
        {
            var pending = target.RunAsync(input, timeout?.Token ?? CancellationToken.None);
            if (!pending.IsCompletedSuccessfully)
            {
                await pending;
            }
        }
        catch (Exception ex)
        {
            error = ex;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Watchdog.End();
        s_lastElapsed = elapsed;
        s_lastAllocated = measure ? allocated : 0;
        if (error is FuzzPropertyException property)
        {
            return new FuzzFailure(target.Name, 0, 0, FuzzFailureKind.Property, Subject(property.Message), property.Message, input);
        }

        if (error is not null)
        {
            return new FuzzFailure(target.Name, 0, 0, FuzzFailureKind.Exception, Signature(error), error.ToString(), input);
        }

        if (elapsed > target.TimeBound)
        {
            return new FuzzFailure(target.Name, 0, 0, FuzzFailureKind.Slow, $"slower than {target.TimeBound.TotalMilliseconds} ms",
                $"took {elapsed.TotalMilliseconds:F0} ms (bound {target.TimeBound.TotalMilliseconds:F0} ms)", input);
        }

        var bound = target.AllocationConstant + (target.AllocationPerInputByte * input.Length);
        if (measure && allocated > bound)
        {
            return new FuzzFailure(target.Name, 0, 0, FuzzFailureKind.Allocation, $"allocated more than {target.AllocationPerInputByte}x input + {target.AllocationConstant} B",
                $"allocated {allocated:N0} B for {input.Length} input bytes (bound {bound:N0} B)", input);
        }

        return null;
    }

    private static async Task CheckHealthAsync(FuzzTarget target, FuzzRunOptions options, Dictionary<string, FuzzFailure> failures)
    {
        try
        {
            await target.CheckHealthAsync();
        }
        catch (Exception ex)
        {
            var detail = ex is FuzzPropertyException ? ex.Message : ex.ToString();
            Record(target, options, failures, new FuzzFailure(target.Name, options.Seed, -1, FuzzFailureKind.Health, FirstLine(ex.Message), detail, []));
        }
    }

    private static void Record(FuzzTarget target, FuzzRunOptions options, Dictionary<string, FuzzFailure> failures, FuzzFailure failure)
    {
        var key = $"{failure.Kind}:{failure.Signature}";
        if (failures.TryGetValue(key, out var known))
        {
            known.Occurrences++;
            return;
        }

        if (options.Minimize && target is SyncFuzzTarget && failure.Input.Length > 0)
        {
            failure = failure with { Minimized = Minimizer.Minimize(failure.Input, candidate => Reproduces(target, candidate, failure)) };
        }

        failures[key] = failure;
        options.Log?.WriteLine(failure.Describe());
        options.Log?.Flush();
    }

    private static bool Reproduces(FuzzTarget target, byte[] candidate, FuzzFailure failure)
    {
        var outcome = ExecuteAsync(target, candidate, target.MeasuresAllocation).AsTask().GetAwaiter().GetResult();
        // An allocation or time fault shrinks with the input; keep its kind, not its exact figures.
        return outcome is not null && outcome.Kind == failure.Kind
            && (failure.Kind is FuzzFailureKind.Slow or FuzzFailureKind.Allocation || outcome.Signature == failure.Signature);
    }

    private static string Signature(Exception error)
    {
        var frame = new StackTrace(error, false).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("Synapse", StringComparison.Ordinal) == true)
            ?? new StackTrace(error, false).GetFrame(0);
        var method = frame?.GetMethod();
        return $"{error.GetType().Name} at {method?.DeclaringType?.Name}.{method?.Name}";
    }

    // What a property message says before its details (after the first ':'): the same fault from different inputs.
    private static string Subject(string text)
    {
        var line = FirstLine(text);
        var colon = line.IndexOf(':');
        return colon < 0 ? line : line[..colon];
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n');
        return end < 0 ? text : text[..end].TrimEnd('\r');
    }
}
