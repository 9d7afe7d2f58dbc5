namespace LoadGen;

/// <summary>
/// Log-linear (HDR-style) histogram of microsecond values: exact below 256 µs, then 128
/// sub-buckets per power of two (under 0.8% relative error), up to 2^40 µs. Recording is one
/// Interlocked increment; thread-safe.
/// </summary>
public sealed class Histogram
{
    private const int Sub = 128;
    private readonly long[] _counts = new long[Sub * 36];
    private long _total;
    private long _max;

    public long Count => Interlocked.Read(ref _total);

    public static int Index(long v)
    {
        if (v < 2 * Sub)
        {
            return v < 0 ? 0 : (int)v;
        }

        var e = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)v);
        var shift = e - 7;
        return Math.Min((Sub * shift) + (int)(v >> shift), (Sub * 36) - 1);
    }

    public static long ValueAt(int index)
    {
        if (index < 2 * Sub)
        {
            return index;
        }

        var shift = (index / Sub) - 1;
        var mantissa = index - (Sub * shift);
        return ((long)mantissa << shift) + ((1L << shift) / 2);
    }

    public void Record(long us)
    {
        Interlocked.Increment(ref _counts[Index(us)]);
        Interlocked.Increment(ref _total);
        long max;
        while (us > (max = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, us, max) != max)
        {
        }
    }

    /// <summary>The value at quantile q (0..1), in microseconds; 0 when empty.</summary>
    public long Percentile(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(ValueAt(i), Volatile.Read(ref _max));
            }
        }

        return Volatile.Read(ref _max);
    }

    public double Ms(double q) => Math.Round(Percentile(q) / 1000.0, 3);
}
