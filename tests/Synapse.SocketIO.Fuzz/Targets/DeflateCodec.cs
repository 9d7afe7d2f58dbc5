using System.Collections.Concurrent;
using System.IO.Compression;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// The client's side of permessage-deflate (RFC 7692 7.2.1), for generating frames: each message
/// sync-flushed with its trailing <c>00 00 ff ff</c> removed, with one context for the connection
/// (context takeover) or a fresh one per message.
/// </summary>
internal sealed class ClientCompressor(bool keepContext) : IDisposable
{
    private readonly MemoryStream _output = new();
    private DeflateStream? _deflate;

    /// <summary>Whether messages share one DEFLATE context.</summary>
    public bool KeepContext => keepContext;

    public byte[] Compress(ReadOnlySpan<byte> message)
    {
        if (!keepContext)
        {
            Reset();
        }

        _deflate ??= new DeflateStream(_output, CompressionLevel.Optimal, leaveOpen: true);
        var start = (int)_output.Length;
        _deflate.Write(message);
        _deflate.Flush();
        var all = _output.GetBuffer().AsSpan(0, (int)_output.Length);
        if (!all.EndsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xff, 0xff]))
        {
            throw new InvalidOperationException("a sync flush did not end with an empty stored block");
        }

        return all[start..^4].ToArray();
    }

    /// <summary>
    /// Compresses a message that ends its DEFLATE stream with a final block (RFC 7692 7.2.3.3):
    /// the next message starts a new stream.
    /// </summary>
    public byte[] CompressFinal(ReadOnlySpan<byte> message)
    {
        Reset();
        using (var deflate = new DeflateStream(_output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(message);
        }

        var data = _output.ToArray();
        _output.SetLength(0);
        return data;
    }

    private void Reset()
    {
        // Disposing writes a final block: dropped with the rest of the old stream.
        _deflate?.Dispose();
        _deflate = null;
        _output.SetLength(0);
    }

    public void Dispose() => Reset();
}

/// <summary>
/// The client's inflater of what the server sends: with the server's context kept, or a fresh one
/// per message (<c>server_no_context_takeover</c>). Stops past a limit.
/// </summary>
internal sealed class MessageInflater(bool keepContext) : IDisposable
{
    private readonly FeedStream _input = new();
    private DeflateStream? _inflater;

    /// <summary>Null when the data does not inflate; otherwise the message (cut one byte past <paramref name="limit"/>).</summary>
    public byte[]? Inflate(byte[] compressed, int limit)
    {
        if (!keepContext)
        {
            _inflater?.Dispose();
            _inflater = null;
        }

        _input.Feed([.. compressed, 0x00, 0x00, 0xff, 0xff]);
        _inflater ??= new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
        var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while (output.Length <= limit && (read = _inflater.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            return null;
        }

        return output.ToArray();
    }

    public void Dispose() => _inflater?.Dispose();

    private sealed class FeedStream : Stream
    {
        private byte[] _data = [];
        private int _pos;

        public void Feed(byte[] data)
        {
            _data = data;
            _pos = 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(buffer.Length, _data.Length - _pos);
            _data.AsSpan(_pos, count).CopyTo(buffer);
            _pos += count;
            return count;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Compressed payloads the generator uses as they are: bombs (cached) and data no inflater accepts.</summary>
internal static class DeflateSamples
{
    private static readonly ConcurrentDictionary<(long Size, bool Zeros), byte[]> Bombs = new();

    /// <summary>
    /// A message of <paramref name="size"/> bytes (an ack event padded with 'a', or zeros) compressed
    /// on its own: a few bytes per kilobyte inflated, so a small frame inflates far past the limit.
    /// </summary>
    public static byte[] Bomb(long size, bool zeros) => Bombs.GetOrAdd((size, zeros), static key =>
    {
        var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var head = key.Zeros ? [] : "421[\"ack\",\""u8.ToArray();
            deflate.Write(head);
            var chunk = new byte[64 * 1024];
            if (!key.Zeros)
            {
                chunk.AsSpan().Fill((byte)'a');
            }

            for (var left = key.Size - head.Length - (key.Zeros ? 0 : 2); left > 0; left -= chunk.Length)
            {
                deflate.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
            }

            deflate.Write(key.Zeros ? [] : "\"]"u8);
            deflate.Flush();
        }

        // The final block after the sync flush is dropped with the trailer.
        var all = output.ToArray();
        var end = all.AsSpan().LastIndexOf((ReadOnlySpan<byte>)[0x00, 0x00, 0xff, 0xff]);
        return all[..end];
    });

    /// <summary>A block of the reserved type 11 (RFC 1951 3.2.3), then <paramref name="tail"/>.</summary>
    public static byte[] ReservedBlockType(byte[] tail) => [0x06, .. tail];

    /// <summary>A stored block whose LEN and NLEN disagree, then <paramref name="tail"/>.</summary>
    public static byte[] BadStoredLengths(byte[] tail) => [0x00, 0x05, 0x00, 0x00, 0x00, .. tail];

    /// <summary>
    /// A fixed-Huffman block that starts with a match at distance 1: invalid as the first thing a
    /// DEFLATE stream inflates (nothing precedes it to copy).
    /// </summary>
    public static byte[] DistanceTooFarBack() => [0x02, 0x02, 0x00];
}
