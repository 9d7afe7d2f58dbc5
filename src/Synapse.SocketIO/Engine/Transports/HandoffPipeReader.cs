using System.IO.Pipelines;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// The HTTP layer's view of a connection's input: every call forwards, except completion and
/// cancellation once a WebSocket has claimed the connection.
/// </summary>
internal sealed class HandoffPipeReader(WebSocketHandoff owner, PipeReader inner) : PipeReader
{
    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead()
    {
        if (!owner.Claimed)
        {
            inner.CancelPendingRead();
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

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => inner.ReadAsync(cancellationToken);

    public override bool TryRead(out ReadResult result) => inner.TryRead(out result);
}
