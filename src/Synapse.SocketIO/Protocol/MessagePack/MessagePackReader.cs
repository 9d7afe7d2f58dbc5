using System.Buffers.Binary;
using System.Text;

namespace Synapse.SocketIO.Protocol.MessagePack;

/// <summary>
/// Reads MessagePack formats from a span, one at a time. Every read checks the bytes that are
/// left first: truncated input, and lengths or element counts that the rest of the input cannot
/// hold, fail with a <see cref="MessagePackException"/> before anything is allocated.
/// </summary>
public ref struct MessagePackReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    /// <summary>Creates a reader over <paramref name="buffer"/>.</summary>
    public MessagePackReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>The offset of the next byte to read.</summary>
    public readonly int Position => _position;

    /// <summary>How many bytes are left.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>Whether everything was read.</summary>
    public readonly bool End => _position >= _buffer.Length;

    /// <summary>The first byte of the next value (its format), without consuming it.</summary>
    public readonly byte PeekByte()
    {
        if (_position >= _buffer.Length)
        {
            throw Truncated(1);
        }

        return _buffer[_position];
    }

    /// <summary>The family of the next value, without consuming it.</summary>
    public readonly MessagePackType NextType => PeekByte() switch
    {
        <= 0x7f => MessagePackType.Integer,
        <= 0x8f => MessagePackType.Map,
        <= 0x9f => MessagePackType.Array,
        <= 0xbf => MessagePackType.String,
        0xc0 => MessagePackType.Nil,
        0xc1 => MessagePackType.Unknown,
        0xc2 or 0xc3 => MessagePackType.Boolean,
        0xc4 or 0xc5 or 0xc6 => MessagePackType.Binary,
        0xc7 or 0xc8 or 0xc9 => MessagePackType.Extension,
        0xca or 0xcb => MessagePackType.Float,
        >= 0xcc and <= 0xd3 => MessagePackType.Integer,
        >= 0xd4 and <= 0xd8 => MessagePackType.Extension,
        0xd9 or 0xda or 0xdb => MessagePackType.String,
        0xdc or 0xdd => MessagePackType.Array,
        0xde or 0xdf => MessagePackType.Map,
        _ => MessagePackType.Integer, // negative fixint
    };

    /// <summary>Reads nil.</summary>
    public void ReadNil()
    {
        if (!TryReadNil())
        {
            throw Unexpected("nil");
        }
    }

    /// <summary>Reads nil if it comes next.</summary>
    public bool TryReadNil()
    {
        if (PeekByte() != 0xc0)
        {
            return false;
        }

        _position++;
        return true;
    }

    /// <summary>Reads true or false.</summary>
    public bool ReadBoolean()
    {
        switch (PeekByte())
        {
            case 0xc2:
                _position++;
                return false;
            case 0xc3:
                _position++;
                return true;
            default:
                throw Unexpected("a boolean");
        }
    }

    /// <summary>Reads an integer of any format; a uint 64 above <see cref="long.MaxValue"/> fails.</summary>
    public long ReadInt64()
    {
        var start = _position;
        if (TryReadInteger(out var value, out var unsigned))
        {
            if (unsigned > long.MaxValue)
            {
                _position = start;
                throw new MessagePackException($"The integer {unsigned} does not fit a 64-bit signed integer", start);
            }

            return value;
        }

        throw Unexpected("an integer");
    }

    /// <summary>Reads a non-negative integer of any format; a negative one fails.</summary>
    public ulong ReadUInt64()
    {
        var start = _position;
        if (TryReadInteger(out var value, out var unsigned))
        {
            if (unsigned == 0 && value < 0)
            {
                _position = start;
                throw new MessagePackException($"The integer {value} is negative", start);
            }

            return unsigned != 0 ? unsigned : (ulong)value;
        }

        throw Unexpected("a non-negative integer");
    }

    /// <summary>Reads a number: float 32, float 64 or any integer format (as JavaScript sees it).</summary>
    public double ReadDouble()
    {
        var prefix = PeekByte();
        if (prefix == 0xca)
        {
            Need(5);
            var single = BinaryPrimitives.ReadSingleBigEndian(_buffer.Slice(_position + 1, 4));
            _position += 5;
            return single;
        }

        if (prefix == 0xcb)
        {
            Need(9);
            var value = BinaryPrimitives.ReadDoubleBigEndian(_buffer.Slice(_position + 1, 8));
            _position += 9;
            return value;
        }

        if (TryReadInteger(out var integer, out var unsigned))
        {
            return unsigned != 0 ? unsigned : integer;
        }

        throw Unexpected("a number");
    }

    /// <summary>Reads a string (fixstr, str 8/16/32). Invalid UTF-8 becomes U+FFFD.</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadStringBytes());

    /// <summary>Reads a string's UTF-8 bytes without decoding them (a slice of the input).</summary>
    public ReadOnlySpan<byte> ReadStringBytes()
    {
        var prefix = PeekByte();
        int length;
        int header;
        if (prefix is >= 0xa0 and <= 0xbf)
        {
            length = prefix & 0x1f;
            header = 1;
        }
        else if (prefix is 0xd9 or 0xda or 0xdb)
        {
            header = 1 + (1 << (prefix - 0xd9));
            length = ReadLength(header - 1);
        }
        else
        {
            throw Unexpected("a string");
        }

        return TakePayload(header, length, "A string");
    }

    /// <summary>Reads binary data (bin 8/16/32) as a slice of the input.</summary>
    public ReadOnlySpan<byte> ReadBinary()
    {
        var prefix = PeekByte();
        if (prefix is < 0xc4 or > 0xc6)
        {
            throw Unexpected("binary data");
        }

        var header = 1 + (1 << (prefix - 0xc4));
        var length = ReadLength(header - 1);
        return TakePayload(header, length, "A binary value");
    }

    /// <summary>
    /// Reads an array header. Fails if the rest of the input cannot hold that many elements (each
    /// takes at least one byte), so the count is safe to allocate for.
    /// </summary>
    public int ReadArrayHeader()
    {
        var prefix = PeekByte();
        int count;
        int header;
        if (prefix is >= 0x90 and <= 0x9f)
        {
            count = prefix & 0x0f;
            header = 1;
        }
        else if (prefix is 0xdc or 0xdd)
        {
            header = prefix == 0xdc ? 3 : 5;
            count = ReadLength(header - 1);
        }
        else
        {
            throw Unexpected("an array");
        }

        if (count > Remaining - header)
        {
            throw new MessagePackException($"An array declares {count} elements but only {Remaining - header} bytes follow", _position);
        }

        _position += header;
        return count;
    }

    /// <summary>
    /// Reads a map header (the number of key/value pairs). Fails if the rest of the input cannot
    /// hold that many pairs (each takes at least two bytes).
    /// </summary>
    public int ReadMapHeader()
    {
        var prefix = PeekByte();
        int count;
        int header;
        if (prefix is >= 0x80 and <= 0x8f)
        {
            count = prefix & 0x0f;
            header = 1;
        }
        else if (prefix is 0xde or 0xdf)
        {
            header = prefix == 0xde ? 3 : 5;
            count = ReadLength(header - 1);
        }
        else
        {
            throw Unexpected("a map");
        }

        if ((long)count * 2 > Remaining - header)
        {
            throw new MessagePackException($"A map declares {count} entries but only {Remaining - header} bytes follow", _position);
        }

        _position += header;
        return count;
    }

    /// <summary>Reads an extension value (fixext 1–16, ext 8/16/32): its type and a slice holding its bytes.</summary>
    public ReadOnlySpan<byte> ReadExtension(out sbyte type)
    {
        var prefix = PeekByte();
        int length;
        int header;
        switch (prefix)
        {
            case >= 0xd4 and <= 0xd8:
                length = 1 << (prefix - 0xd4);
                header = 2;
                break;
            case 0xc7 or 0xc8 or 0xc9:
                var lengthSize = 1 << (prefix - 0xc7);
                length = ReadLength(lengthSize);
                header = 2 + lengthSize;
                break;
            default:
                throw Unexpected("an extension");
        }

        Need(header);
        type = (sbyte)_buffer[_position + header - 1];
        return TakePayload(header, length, "An extension");
    }

    /// <summary>Skips the next value, containers included (at most <paramref name="maxDepth"/> levels deep).</summary>
    public void Skip(int maxDepth = 128)
    {
        if (maxDepth < 0)
        {
            throw new MessagePackException("The data is nested too deeply", _position);
        }

        switch (NextType)
        {
            case MessagePackType.Nil:
            case MessagePackType.Boolean:
                _position++;
                break;
            case MessagePackType.Integer:
                ReadDouble();
                break;
            case MessagePackType.Float:
                ReadDouble();
                break;
            case MessagePackType.String:
                ReadStringBytes();
                break;
            case MessagePackType.Binary:
                ReadBinary();
                break;
            case MessagePackType.Extension:
                ReadExtension(out _);
                break;
            case MessagePackType.Array:
                for (var count = ReadArrayHeader(); count > 0; count--)
                {
                    Skip(maxDepth - 1);
                }

                break;
            case MessagePackType.Map:
                for (var count = ReadMapHeader() * 2; count > 0; count--)
                {
                    Skip(maxDepth - 1);
                }

                break;
            default:
                throw Unexpected("a value");
        }
    }

    /// <summary>An error for a value of the wrong kind at the current position.</summary>
    internal readonly MessagePackException Unexpected(string expected) =>
        _position >= _buffer.Length
            ? Truncated(1)
            : new MessagePackException($"Expected {expected}, found the format byte 0x{_buffer[_position]:x2}", _position);

    private bool TryReadInteger(out long value, out ulong unsigned)
    {
        unsigned = 0;
        var prefix = PeekByte();
        if (prefix <= 0x7f)
        {
            value = prefix;
            _position++;
            return true;
        }

        if (prefix >= 0xe0)
        {
            value = (sbyte)prefix;
            _position++;
            return true;
        }

        switch (prefix)
        {
            case 0xcc:
                Need(2);
                value = _buffer[_position + 1];
                _position += 2;
                return true;
            case 0xcd:
                Need(3);
                value = BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(_position + 1));
                _position += 3;
                return true;
            case 0xce:
                Need(5);
                value = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_position + 1));
                _position += 5;
                return true;
            case 0xcf:
                Need(9);
                var u64 = BinaryPrimitives.ReadUInt64BigEndian(_buffer.Slice(_position + 1));
                _position += 9;
                if (u64 > long.MaxValue)
                {
                    unsigned = u64;
                    value = 0;
                }
                else
                {
                    value = (long)u64;
                }

                return true;
            case 0xd0:
                Need(2);
                value = (sbyte)_buffer[_position + 1];
                _position += 2;
                return true;
            case 0xd1:
                Need(3);
                value = BinaryPrimitives.ReadInt16BigEndian(_buffer.Slice(_position + 1));
                _position += 3;
                return true;
            case 0xd2:
                Need(5);
                value = BinaryPrimitives.ReadInt32BigEndian(_buffer.Slice(_position + 1));
                _position += 5;
                return true;
            case 0xd3:
                Need(9);
                value = BinaryPrimitives.ReadInt64BigEndian(_buffer.Slice(_position + 1));
                _position += 9;
                return true;
            default:
                value = 0;
                return false;
        }
    }

    // Reads the big-endian length that follows the format byte; the format byte is not consumed.
    private readonly int ReadLength(int size)
    {
        Need(1 + size);
        var bytes = _buffer.Slice(_position + 1, size);
        uint length = size switch
        {
            1 => bytes[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(bytes),
            _ => BinaryPrimitives.ReadUInt32BigEndian(bytes),
        };
        if (length > int.MaxValue)
        {
            throw new MessagePackException($"A value declares a length of {length}, more than is supported", _position);
        }

        return (int)length;
    }

    private ReadOnlySpan<byte> TakePayload(int header, int length, string what)
    {
        if ((long)header + length > Remaining)
        {
            throw new MessagePackException($"{what} declares {length} bytes but only {Math.Max(0, Remaining - header)} follow", _position);
        }

        var payload = _buffer.Slice(_position + header, length);
        _position += header + length;
        return payload;
    }

    private readonly void Need(int count)
    {
        if (count > Remaining)
        {
            throw Truncated(count);
        }
    }

    private readonly MessagePackException Truncated(int needed) =>
        new($"Unexpected end of data: {needed} byte(s) needed, {Remaining} left", _position);
}
