namespace Synapse.SocketIO.Internal;

/// <summary>
/// A small, lossy cache that lets equal strings kept for a connection's whole life share one
/// instance: every session keeps its handshake's URL and header values, and most of them are the
/// same for every client (<c>/socket.io/?EIO=4&amp;transport=websocket</c>, the Host, <c>websocket</c>,
/// <c>13</c>...), about 200 bytes per idle connection otherwise (benchmark S1).
/// </summary>
/// <remarks>
/// A fixed table indexed by hash, one string per slot, a newcomer replacing whatever was there: no
/// lock (reference reads and writes are atomic; a race only loses a chance to share), bounded
/// memory, and a value that is not shared costs one hash and one comparison.
/// </remarks>
internal static class SharedStrings
{
    private const int Slots = 256;

    /// <summary>Longer strings are rarely repeated and not worth keeping alive here.</summary>
    private const int MaxLength = 200;

    private static readonly string?[] Table = new string?[Slots];

    /// <summary>An instance equal to <paramref name="value"/>: a cached one if there is one.</summary>
    public static string Share(string value)
    {
        if (value.Length == 0 || value.Length > MaxLength)
        {
            return value;
        }

        var slot = (int)((uint)string.GetHashCode(value, StringComparison.Ordinal) % Slots);
        var cached = Volatile.Read(ref Table[slot]);
        if (cached is not null && string.Equals(cached, value, StringComparison.Ordinal))
        {
            return cached;
        }

        Volatile.Write(ref Table[slot], value);
        return value;
    }
}
