using System.Buffers;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>Growing a buffer rented from the shared pool, for the writers that collect bytes in one.</summary>
internal static class PooledArrays
{
    /// <summary>
    /// A rented array with room for <paramref name="needed"/> bytes after the first
    /// <paramref name="written"/> of <paramref name="buffer"/>, which it holds; <paramref name="buffer"/>
    /// goes back to the pool. At least doubles, so a growing writer copies each byte a bounded number of times.
    /// </summary>
    public static byte[] Grow(byte[] buffer, int written, int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, written + needed));
        buffer.AsSpan(0, written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}
