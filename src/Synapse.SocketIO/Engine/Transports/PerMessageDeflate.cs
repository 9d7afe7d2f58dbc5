using System.IO.Compression;
using Microsoft.Extensions.Primitives;

namespace Synapse.SocketIO.Engine.Transports;

/// <summary>
/// The permessage-deflate extension (RFC 7692) as negotiated on one WebSocket connection: the
/// parameters agreed on and the inflater of the client's messages. Exists only on connections
/// that negotiated the extension. The server's own messages carry no context
/// (<c>server_no_context_takeover</c>), so they are compressed per packet, not per connection
/// (<see cref="EnginePacket.GetDeflated"/>).
/// </summary>
internal sealed class PerMessageDeflate : IDisposable
{
    public const string ExtensionName = "permessage-deflate";

    // RFC 7692 7.2.2: the sender removed these four bytes (the end of a sync flush); put them back.
    private static readonly byte[] Trailer = [0x00, 0x00, 0xff, 0xff];
    private const int ReadChunk = 16 * 1024;

    private readonly InflateInput _input = new();
    private DeflateStream? _inflater;

    public PerMessageDeflate(EnginePerMessageDeflateOptions options, bool clientNoContextTakeover)
    {
        Options = options;
        ClientNoContextTakeover = clientNoContextTakeover;
    }

    public EnginePerMessageDeflateOptions Options { get; }

    /// <summary>The client compresses each message on its own: no inflater is kept between messages.</summary>
    public bool ClientNoContextTakeover { get; }

    /// <summary>Messages inflated so far (for tests and diagnostics).</summary>
    public int MessagesInflated { get; private set; }

    /// <summary>Messages this connection sent compressed (for tests and diagnostics).</summary>
    public int MessagesDeflated { get; private set; }

    /// <summary>The transport's writer sent a compressed message.</summary>
    public void OnDeflated() => MessagesDeflated++;

    /// <summary>
    /// Picks the first offer in <paramref name="offers"/> (the request's <c>Sec-WebSocket-Extensions</c>)
    /// this server can honour and returns the answer for the response header, or null to go on
    /// without the extension.
    /// </summary>
    public static string? Negotiate(StringValues offers, EnginePerMessageDeflateOptions options, out bool clientNoContextTakeover)
    {
        clientNoContextTakeover = false;
        foreach (var header in offers)
        {
            if (string.IsNullOrEmpty(header))
            {
                continue;
            }

            foreach (var offer in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (TryAccept(offer, options.ClientNoContextTakeover, out var response, out clientNoContextTakeover))
                {
                    return response;
                }
            }
        }

        clientNoContextTakeover = false;
        return null;
    }

    private static bool TryAccept(string offer, bool requireClientNoContextTakeover, out string? response, out bool clientNoContextTakeover)
    {
        response = null;
        clientNoContextTakeover = false;
        var parts = offer.Split(';', StringSplitOptions.TrimEntries);
        if (!parts[0].Equals(ExtensionName, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        bool serverNoContext = false, clientNoContext = false, serverWindow = false, clientWindow = false;
        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i];
            var equals = part.IndexOf('=');
            var name = (equals < 0 ? part : part[..equals]).Trim();
            var value = equals < 0 ? null : part[(equals + 1)..].Trim().Trim('"');
            switch (name.ToLowerInvariant())
            {
                // RFC 7692 7.1: a parameter given twice, or with a value it may not have, makes the offer invalid.
                case "server_no_context_takeover" when value is null && !serverNoContext:
                    serverNoContext = true;
                    break;
                case "client_no_context_takeover" when value is null && !clientNoContext:
                    clientNoContext = true;
                    break;
                case "server_max_window_bits" when !serverWindow && IsWindowBits(value):
                    // .NET's deflate always uses a 32 KiB window: a smaller one cannot be promised.
                    if (value != "15")
                    {
                        return false;
                    }

                    serverWindow = true;
                    break;
                case "client_max_window_bits" when !clientWindow && (value is null || IsWindowBits(value)):
                    // Whatever window the client compresses with, a 15-bit inflater reads it.
                    clientWindow = true;
                    break;
                default:
                    return false;
            }
        }

        // server_no_context_takeover whether offered or not (7.1.1.1 allows it): every message the
        // server sends stands alone, so a broadcast is compressed once for all its recipients.
        // client_no_context_takeover when offered, or when the options ask for it (7.1.1.2 allows it).
        clientNoContext |= requireClientNoContextTakeover;
        response = ExtensionName + "; server_no_context_takeover"
            + (clientNoContext ? "; client_no_context_takeover" : string.Empty)
            + (serverWindow ? "; server_max_window_bits=15" : string.Empty);
        clientNoContextTakeover = clientNoContext;
        return true;
    }

    private static bool IsWindowBits(string? value) =>
        value is { Length: 1 or 2 } && int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bits) && bits is >= 8 and <= 15;

    /// <summary>
    /// Compresses <paramref name="data"/> as one message with a fresh context (RFC 7692 7.2.1):
    /// a sync flush whose trailing <c>00 00 ff ff</c> is removed.
    /// </summary>
    public static byte[] Compress(ReadOnlySpan<byte> data, CompressionLevel level)
    {
        if (data.IsEmpty)
        {
            // 7.2.3.6: an empty message compresses to a single empty block.
            return [0x00];
        }

        using var output = new PooledBufferStream(data.Length / 2 + 64);
        using var deflate = new DeflateStream(output, level, leaveOpen: true);
        deflate.Write(data);
        // Flush is zlib's sync flush: everything so far, ending with an empty stored block.
        deflate.Flush();
        var written = output.Written;
        if (written.Length < Trailer.Length || !written[^Trailer.Length..].SequenceEqual(Trailer))
        {
            throw new InvalidOperationException("The deflate flush did not end with an empty stored block.");
        }

        // Disposing the DeflateStream afterwards writes a final block into the pooled buffer; it is not used.
        return written[..^Trailer.Length].ToArray();
    }

    /// <summary>
    /// Inflates one message (its frames' payloads joined, unmasked). Stops as soon as the output
    /// passes <paramref name="limit"/> bytes, so a small frame cannot become a huge allocation.
    /// </summary>
    public InflateResult Inflate(ReadOnlyMemory<byte> compressed, long limit, out byte[] message)
    {
        message = [];
        // MaxHttpBufferSize = long.MaxValue ("no limit") must not overflow limit + 1 below; no message
        // is longer than an array can be anyway.
        limit = Math.Min(limit, Array.MaxLength - 1L);
        using var output = new PooledBufferStream((int)Math.Min(limit + 1, Math.Max(1024L, compressed.Length * 4L)));
        try
        {
            _input.Set(compressed, Trailer);
            var inflater = _inflater ??= new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
            if (!ReadAll(inflater, output, limit))
            {
                return InflateResult.TooLarge;
            }

            if (output.Length == 0 && _input.Untouched)
            {
                // The previous message ended its DEFLATE stream with a final block (7.2.3.3 allows it):
                // this one starts a new stream.
                _inflater.Dispose();
                _inflater = inflater = new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
                if (!ReadAll(inflater, output, limit))
                {
                    return InflateResult.TooLarge;
                }
            }

            if (ClientNoContextTakeover || _input.Remaining > 0)
            {
                // No context to keep, or this message's stream ended early (a final block): start afresh next time.
                _inflater.Dispose();
                _inflater = null;
            }
        }
        catch (InvalidDataException)
        {
            return InflateResult.Invalid;
        }
        finally
        {
            _input.Set(default, default);
        }

        MessagesInflated++;
        message = output.Written.ToArray();
        return InflateResult.Ok;
    }

    private static bool ReadAll(DeflateStream inflater, PooledBufferStream output, long limit)
    {
        while (true)
        {
            // Never ask for more than one byte past the limit: the excess is what tells it.
            var room = (int)Math.Min(ReadChunk, limit + 1 - output.Length);
            var read = inflater.Read(output.GetSpan(room)[..room]);
            if (read == 0)
            {
                return true;
            }

            output.Advance(read);
            if (output.Length > limit)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        _inflater?.Dispose();
        _inflater = null;
    }

    /// <summary>Feeds one message and the trailer to the inflater; reads 0 once both are consumed.</summary>
    private sealed class InflateInput : Stream
    {
        private ReadOnlyMemory<byte> _first;
        private ReadOnlyMemory<byte> _second;
        private bool _touched;

        public void Set(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
        {
            _first = first;
            _second = second;
            _touched = false;
        }

        /// <summary>Whether nothing of the current message was read.</summary>
        public bool Untouched => !_touched;

        public int Remaining => _first.Length + _second.Length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var total = 0;
            total += Take(ref _first, buffer);
            total += Take(ref _second, buffer[total..]);
            if (total > 0)
            {
                _touched = true;
            }

            return total;
        }

        private static int Take(ref ReadOnlyMemory<byte> source, Span<byte> destination)
        {
            var count = Math.Min(source.Length, destination.Length);
            source.Span[..count].CopyTo(destination);
            source = source[count..];
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>The outcome of <see cref="PerMessageDeflate.Inflate"/>.</summary>
internal enum InflateResult
{
    Ok,
    TooLarge,
    Invalid,
}
