using System.Buffers;
using System.IO.Pipelines;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// Frames written straight into the connection's output pipe: one copy per frame, into the
/// memory the socket sends from, and no buffer of our own.
/// </summary>
internal sealed class PipeFrameWriter(PipeWriter output) : FrameWriter
{
    private int _buffered;

    public override int Buffered => _buffered;

    public override void Advance(int count)
    {
        output.Advance(count);
        _buffered += count;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => output.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => output.GetSpan(sizeHint);

    public override async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_buffered == 0)
        {
            return;
        }

        _buffered = 0;
        // Waits while the socket is behind (Kestrel's pause threshold), as a stream write would.
        var result = await output.FlushAsync(cancellationToken);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("The connection is closed.");
        }
    }

    public override async ValueTask WriteDirectAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        output.Write(data.Span);
        _buffered += data.Length;
        await FlushAsync(cancellationToken);
    }
}
