using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Synapse.SocketIO.Redis.Resp;

/// <summary>
/// Parses RESP2 replies (and the RESP3 scalar and aggregate types, should a server send them)
/// from a byte sequence that may end in the middle of a reply. Declared lengths are checked
/// against a limit before anything is allocated.
/// </summary>
internal static class RespParser
{
    /// <summary>Redis' own limit on a bulk string (proto-max-bulk-len).</summary>
    public const int DefaultMaxBulkLength = 512 * 1024 * 1024;

    private const int MaxLineLength = 64 * 1024;
    private const int MaxDepth = 32;

    /// <summary>
    /// Reads one complete reply. Returns false, with <paramref name="reader"/> where it was, when
    /// the data ends before the reply does.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is not RESP.</exception>
    public static bool TryRead(ref SequenceReader<byte> reader, out RespValue value, int maxBulkLength = DefaultMaxBulkLength)
    {
        var consumedBefore = reader.Consumed;
        if (TryReadValue(ref reader, out value!, maxBulkLength, 0))
        {
            return true;
        }

        reader.Rewind(reader.Consumed - consumedBefore);
        value = null!;
        return false;
    }

    /// <summary>What <see cref="TryReadPush"/> found.</summary>
    public enum PushStatus
    {
        /// <summary>A pub/sub message, read.</summary>
        Push,

        /// <summary>Something else (a reply): nothing was consumed.</summary>
        NotAPush,

        /// <summary>The start of a pub/sub message whose end has not arrived: nothing was consumed.</summary>
        Incomplete,
    }

    /// <summary>
    /// Reads a RESP2 pub/sub message (<c>message</c>, <c>pmessage</c>, <c>smessage</c>) straight into
    /// a <see cref="RespPush"/>, channel names through <paramref name="names"/>.
    /// </summary>
    public static PushStatus TryReadPush(ref SequenceReader<byte> reader, out RespPush push, int maxBulkLength, NameCache names)
    {
        push = default;
        var start = reader.Consumed;
        SubscriptionKind kind;
        if (reader.IsNext("*3\r\n$7\r\nmessage\r\n"u8, advancePast: true))
        {
            kind = SubscriptionKind.Channel;
        }
        else if (reader.IsNext("*4\r\n$8\r\npmessage\r\n"u8, advancePast: true))
        {
            kind = SubscriptionKind.Pattern;
        }
        else if (reader.IsNext("*3\r\n$8\r\nsmessage\r\n"u8, advancePast: true))
        {
            kind = SubscriptionKind.Shard;
        }
        else
        {
            // A prefix of one of those (the data ends inside the header) must wait for more data.
            return reader.Remaining < 20 && reader.Remaining > 0 && reader.UnreadSequence.FirstSpan[0] == (byte)'*' && IsHeaderPrefix(reader.UnreadSequence)
                ? PushStatus.Incomplete
                : PushStatus.NotAPush;
        }

        string? subscription = null;
        if (kind == SubscriptionKind.Pattern)
        {
            if (!TryReadName(ref reader, names, out subscription))
            {
                reader.Rewind(reader.Consumed - start);
                return PushStatus.Incomplete;
            }
        }

        if (!TryReadName(ref reader, names, out var channel) || !TryReadBulk(ref reader, maxBulkLength, out var payload))
        {
            reader.Rewind(reader.Consumed - start);
            return PushStatus.Incomplete;
        }

        push = new RespPush(kind, subscription ?? channel, channel, payload);
        return PushStatus.Push;
    }

    private static bool IsHeaderPrefix(ReadOnlySequence<byte> data)
    {
        Span<byte> head = stackalloc byte[20];
        var length = (int)Math.Min(data.Length, head.Length);
        data.Slice(0, length).CopyTo(head);
        var prefix = head[..length];
        return "*3\r\n$7\r\nmessage\r\n"u8.StartsWith(prefix) || "*4\r\n$8\r\npmessage\r\n"u8.StartsWith(prefix) || "*3\r\n$8\r\nsmessage\r\n"u8.StartsWith(prefix);
    }

    private static bool TryReadName(ref SequenceReader<byte> reader, NameCache names, out string name)
    {
        name = string.Empty;
        if (!reader.IsNext((byte)'$', advancePast: true) || !TryReadInteger(ref reader, out var length))
        {
            return false;
        }

        if (length < 0 || length > MaxLineLength)
        {
            throw new InvalidDataException("Invalid channel name length in a pub/sub message.");
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        var sequence = reader.UnreadSequence.Slice(0, length);
        name = sequence.IsSingleSegment ? names.Get(sequence.FirstSpan) : names.Get(sequence.ToArray());
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new InvalidDataException("A bulk string does not end with CRLF.");
        }

        return true;
    }

    private static bool TryReadBulk(ref SequenceReader<byte> reader, int maxBulkLength, out byte[] bytes)
    {
        bytes = [];
        if (!reader.IsNext((byte)'$', advancePast: true) || !TryReadInteger(ref reader, out var length))
        {
            return false;
        }

        if (length < 0 || length > maxBulkLength)
        {
            throw new InvalidDataException($"A pub/sub payload of {length} bytes exceeds the limit of {maxBulkLength}.");
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new InvalidDataException("A bulk string does not end with CRLF.");
        }

        return true;
    }

    private static bool TryReadValue(ref SequenceReader<byte> reader, out RespValue? value, int maxBulkLength, int depth)
    {
        value = null;
        if (!reader.TryRead(out var prefix))
        {
            return false;
        }

        switch (prefix)
        {
            case (byte)'+':
            case (byte)'-':
                if (!TryReadLine(ref reader, out var line))
                {
                    return false;
                }

                value = prefix == '+' ? RespValue.SimpleString(line) : RespValue.Error(line);
                return true;
            case (byte)':':
                if (!TryReadInteger(ref reader, out var integer))
                {
                    return false;
                }

                value = RespValue.FromInteger(integer);
                return true;
            case (byte)'$':
            case (byte)'=': // RESP3 verbatim string
            case (byte)'!': // RESP3 blob error
                if (!TryReadInteger(ref reader, out var length))
                {
                    return false;
                }

                if (length < 0)
                {
                    value = RespValue.Null;
                    return true;
                }

                if (length > maxBulkLength)
                {
                    throw new InvalidDataException($"A bulk string of {length} bytes exceeds the limit of {maxBulkLength}.");
                }

                if (reader.Remaining < length + 2)
                {
                    return false;
                }

                var bytes = new byte[length];
                reader.TryCopyTo(bytes);
                reader.Advance(length);
                if (!reader.IsNext("\r\n"u8, advancePast: true))
                {
                    throw new InvalidDataException("A bulk string does not end with CRLF.");
                }

                value = prefix == '!' ? RespValue.Error(bytes) : RespValue.Bulk(bytes);
                return true;
            case (byte)'*':
            case (byte)'>': // RESP3 push
            case (byte)'~': // RESP3 set
            case (byte)'%': // RESP3 map (key/value pairs, flattened)
                if (!TryReadInteger(ref reader, out var count))
                {
                    return false;
                }

                if (count < 0)
                {
                    value = RespValue.Null;
                    return true;
                }

                if (prefix == '%')
                {
                    // Pairs. A count too large to double is over the limit below anyway.
                    count = count > maxBulkLength ? long.MaxValue : count * 2;
                }

                if (depth >= MaxDepth)
                {
                    throw new InvalidDataException("A reply nests too deeply.");
                }

                // Each element takes at least 3 bytes ("_\r\n"): a count larger than what can
                // possibly follow is answered by waiting for more data, but never allocated for
                // beyond the bytes actually buffered.
                if (count > reader.Remaining / 3)
                {
                    if (count > maxBulkLength)
                    {
                        throw new InvalidDataException($"An array of {count} elements exceeds the limit.");
                    }

                    return false;
                }

                var items = new RespValue[count];
                for (var i = 0; i < count; i++)
                {
                    if (!TryReadValue(ref reader, out var item, maxBulkLength, depth + 1))
                    {
                        return false;
                    }

                    items[i] = item!;
                }

                value = RespValue.Array(items);
                return true;
            case (byte)'_': // RESP3 null
                if (!TryReadLine(ref reader, out _))
                {
                    return false;
                }

                value = RespValue.Null;
                return true;
            case (byte)'#': // RESP3 boolean
            case (byte)',': // RESP3 double
            case (byte)'(': // RESP3 big number
                if (!TryReadLine(ref reader, out var text))
                {
                    return false;
                }

                value = RespValue.SimpleString(text);
                return true;
            default:
                throw new InvalidDataException($"Unexpected RESP type byte 0x{prefix:x2}.");
        }
    }

    private static bool TryReadLine(ref SequenceReader<byte> reader, out byte[] line)
    {
        if (!reader.TryReadTo(out ReadOnlySequence<byte> sequence, "\r\n"u8, advancePastDelimiter: true))
        {
            if (reader.Remaining > MaxLineLength)
            {
                throw new InvalidDataException("A RESP line is too long.");
            }

            line = [];
            return false;
        }

        line = sequence.ToArray();
        return true;
    }

    private static bool TryReadInteger(ref SequenceReader<byte> reader, out long value)
    {
        value = 0;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> sequence, "\r\n"u8, advancePastDelimiter: true))
        {
            if (reader.Remaining > 32)
            {
                throw new InvalidDataException("A RESP integer line is too long.");
            }

            return false;
        }

        Span<byte> buffer = stackalloc byte[24];
        if (sequence.Length > buffer.Length)
        {
            throw new InvalidDataException("A RESP integer is too long.");
        }

        sequence.CopyTo(buffer);
        var digits = buffer[..(int)sequence.Length];
        if (!Utf8Parser.TryParse(digits, out value, out var consumed) || consumed != digits.Length)
        {
            throw new InvalidDataException($"Invalid RESP integer '{Encoding.ASCII.GetString(digits)}'.");
        }

        return true;
    }
}
