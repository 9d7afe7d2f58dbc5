using System.IO.Pipelines;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>The HTTP layer's view of a connection's output (see <see cref="HandoffPipeReader"/>).</summary>
internal sealed class HandoffPipeWriter(WebSocketHandoff owner, PipeWriter inner) : PipeWriter
{
    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override void Advance(int bytes) => inner.Advance(bytes);

    public override void CancelPendingFlush()
    {
        if (!owner.Claimed)
        {
            inner.CancelPendingFlush();
        }
    }

    public override void Complete(Exception? exception = null)
    {
        if (!owner.Claimed)
        {
            inner.Complete(exception);
        }
    }

    public override ValueTask CompleteAsync(Exception? exception = null) =>
        owner.Claimed ? ValueTask.CompletedTask : inner.CompleteAsync(exception);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) => inner.WriteAsync(source, cancellationToken);
}
