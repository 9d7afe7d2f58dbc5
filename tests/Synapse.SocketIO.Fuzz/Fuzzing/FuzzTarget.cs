namespace Synapse.SocketIO.Fuzz.Fuzzing;

/// <summary>
/// One thing to fuzz. A target names its seed corpus and dictionary and runs one input; it throws
/// <see cref="FuzzPropertyException"/> when the input breaks a property it checks itself, and must
/// catch the documented error of what it drives (any other exception is a failure).
/// </summary>
public abstract class FuzzTarget : IAsyncDisposable
{
    /// <summary>The name used on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>What the target drives, for --list and the report.</summary>
    public abstract string Description { get; }

    /// <summary>Valid (and a few known-tricky) inputs that mutations start from.</summary>
    public abstract IReadOnlyList<byte[]> Seeds { get; }

    /// <summary>Protocol tokens that mutations insert.</summary>
    public virtual IReadOnlyList<byte[]> Tokens => [];

    /// <summary>The longest input generated.</summary>
    public virtual int MaxInputLength => 4096;

    /// <summary>
    /// Whether the input runs synchronously on the calling thread, so that its allocations can be
    /// measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>.
    /// </summary>
    public virtual bool MeasuresAllocation => true;

    /// <summary>
    /// The most one input allocated, for a target that measures allocation itself (across threads)
    /// rather than through <see cref="MeasuresAllocation"/>; null otherwise.
    /// </summary>
    public virtual long? MaxAllocatedByOneInput => null;

    /// <summary>The allocation allowed per input byte (a decoder builds objects for what it reads).</summary>
    public virtual long AllocationPerInputByte => 64;

    /// <summary>The allocation allowed whatever the input's size.</summary>
    public virtual long AllocationConstant => 64 * 1024;

    /// <summary>The longest one input may take (generous: the machine may be loaded).</summary>
    public virtual TimeSpan TimeBound => TimeSpan.FromSeconds(2);

    /// <summary>How many inputs run between two <see cref="CheckHealthAsync"/> calls.</summary>
    public virtual int BatchSize => 10_000;

    /// <summary>Prepares the target (starts a server, say).</summary>
    public virtual Task StartAsync() => Task.CompletedTask;

    /// <summary>Produces one input from <paramref name="random"/> (by default: a mutated seed).</summary>
    public virtual byte[] Generate(Random random, Mutator mutator) => mutator.Next(random);

    /// <summary>Runs one input.</summary>
    public abstract ValueTask RunAsync(byte[] input, CancellationToken cancellationToken);

    /// <summary>Checks, after each batch, that the system under test is still healthy.</summary>
    public virtual Task CheckHealthAsync() => Task.CompletedTask;

    /// <summary>Checks, once a whole run is over, what only shows at the end (sessions left open, say).</summary>
    public virtual Task CheckAtEndAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>An input broke a property the target checks.</summary>
public sealed class FuzzPropertyException(string message) : Exception(message);
