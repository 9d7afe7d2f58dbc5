namespace Synapse.SocketIO.Adapters;

/// <summary>
/// Offsets of recoverable packets: <c>n</c> (the in-memory log's sequence number) or <c>ms-n</c>
/// (a Redis stream entry id). Both order as pairs of integers, which is what recovery needs to
/// drop a packet delivered twice.
/// </summary>
public static class RecoveryOffset
{
    /// <summary>Parses an offset; false if it has neither form.</summary>
    public static bool TryParse(string? offset, out (long High, long Low) value)
    {
        value = default;
        if (string.IsNullOrEmpty(offset) || offset.Length > 41)
        {
            return false;
        }

        var dash = offset.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            if (!long.TryParse(offset, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var only))
            {
                return false;
            }

            value = (only, 0);
            return true;
        }

        if (long.TryParse(offset.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var high)
            && long.TryParse(offset.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var low))
        {
            value = (high, low);
            return true;
        }

        return false;
    }

    /// <summary>Compares two offsets; an unparsable one sorts first.</summary>
    public static int Compare(string? a, string? b)
    {
        var okA = TryParse(a, out var x);
        var okB = TryParse(b, out var y);
        if (!okA || !okB)
        {
            return okA.CompareTo(okB);
        }

        var high = x.High.CompareTo(y.High);
        return high != 0 ? high : x.Low.CompareTo(y.Low);
    }
}
