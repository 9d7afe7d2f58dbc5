using System.Buffers;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// Collects frames in one pooled buffer and hands them to the upgraded connection's stream in a
/// single write; a large payload is written straight from its own memory instead of being copied. Kestrel's stream copies into its own output pipe anyway, so a
/// PipeWriter of ours in between would only add a second buffer and a second flush per batch.
/// The buffer goes back to the pool after each write: an idle connection holds none.
/// </summary>
internal sealed class StreamFrameWriter(Stream stream) : FrameWriter
{
    private const int MinimumSize = 4096;
    private byte[]? _buffer;
    private int _written;

    public override void Advance(int count) => _written += count;

    /// <summary>Bytes collected and not yet written.</summary>
    public override int Buffered => _written;

    /// <summary>Writes what was collected, then <paramref name="data"/> as it is (no copy into the buffer).</summary>
    public override async ValueTask WriteDirectAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        await stream.WriteAsync(data, cancellationToken);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Writes what was collected, in one stream write, and releases the buffer.</summary>
    public override async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_buffer is null)
        {
            return;
        }

        var buffer = _buffer;
        var length = _written;
        _buffer = null;
        _written = 0;
        try
        {
            if (length > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(needed, MinimumSize));
            return;
        }

        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        _buffer = PooledArrays.Grow(_buffer, _written, needed);
    }
}
