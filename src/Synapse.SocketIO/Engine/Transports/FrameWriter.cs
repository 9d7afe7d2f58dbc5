using System.Buffers;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// Where the WebSocket transport writes its frames: Kestrel's upgrade stream
/// (<see cref="StreamFrameWriter"/>) or, once a connection is handed off, the connection's own
/// output pipe (<see cref="PipeFrameWriter"/>).
/// </summary>
internal abstract class FrameWriter : IBufferWriter<byte>
{
    /// <summary>Bytes written since the last flush.</summary>
    public abstract int Buffered { get; }

    public abstract void Advance(int count);

    public abstract Memory<byte> GetMemory(int sizeHint = 0);

    public abstract Span<byte> GetSpan(int sizeHint = 0);

    /// <summary>Sends what was written; throws when the connection is gone.</summary>
    public abstract ValueTask FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends what was written, then <paramref name="data"/>, avoiding a copy where the target allows.</summary>
    public abstract ValueTask WriteDirectAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);
}
