using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Synapse.SocketIO.Protocol.MessagePack;

/// <summary>
/// Writes MessagePack formats into an <see cref="IBufferWriter{T}"/>, always choosing the
/// smallest format that holds the value, as notepack.io 3.0.1 does (so the output is byte for
/// byte what Node's Socket.IO Redis adapter writes for the same JavaScript values).
/// </summary>
/// <remarks>
/// <see cref="WriteNumber(double)"/> follows JavaScript, which has a single number type: an
/// integral value (2.0) is written as an integer (<c>02</c>), anything else as float 64.
/// <see cref="WriteFloat64"/> and <see cref="WriteFloat32"/> write a float whatever its value.
/// </remarks>
public sealed class MessagePackWriter
{
    private const long TwoPow32 = 1L << 32;

    private readonly IBufferWriter<byte> _output;

    /// <summary>Creates a writer appending to <paramref name="output"/>.</summary>
    public MessagePackWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes nil (<c>c0</c>).</summary>
    public void WriteNil() => WriteByte(0xc0);

    /// <summary>Writes true (<c>c3</c>) or false (<c>c2</c>).</summary>
    public void WriteBoolean(bool value) => WriteByte(value ? (byte)0xc3 : (byte)0xc2);

    /// <summary>
    /// Writes an integer in its smallest form: positive fixint, uint 8/16/32/64 for values ≥ 0;
    /// negative fixint, int 8/16/32/64 below 0.
    /// </summary>
    public void WriteInteger(long value)
    {
        if (value >= 0)
        {
            WriteInteger((ulong)value);
            return;
        }

        if (value >= -32)
        {
            WriteByte((byte)(sbyte)value);
        }
        else if (value >= sbyte.MinValue)
        {
            var span = _output.GetSpan(2);
            span[0] = 0xd0;
            span[1] = (byte)(sbyte)value;
            _output.Advance(2);
        }
        else if (value >= short.MinValue)
        {
            var span = _output.GetSpan(3);
            span[0] = 0xd1;
            BinaryPrimitives.WriteInt16BigEndian(span[1..], (short)value);
            _output.Advance(3);
        }
        else if (value >= int.MinValue)
        {
            var span = _output.GetSpan(5);
            span[0] = 0xd2;
            BinaryPrimitives.WriteInt32BigEndian(span[1..], (int)value);
            _output.Advance(5);
        }
        else
        {
            var span = _output.GetSpan(9);
            span[0] = 0xd3;
            BinaryPrimitives.WriteInt64BigEndian(span[1..], value);
            _output.Advance(9);
        }
    }

    /// <summary>Writes a non-negative integer in its smallest form (positive fixint, uint 8/16/32/64).</summary>
    public void WriteInteger(ulong value)
    {
        if (value < 0x80)
        {
            WriteByte((byte)value);
        }
        else if (value <= byte.MaxValue)
        {
            var span = _output.GetSpan(2);
            span[0] = 0xcc;
            span[1] = (byte)value;
            _output.Advance(2);
        }
        else if (value <= ushort.MaxValue)
        {
            var span = _output.GetSpan(3);
            span[0] = 0xcd;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)value);
            _output.Advance(3);
        }
        else if (value <= uint.MaxValue)
        {
            var span = _output.GetSpan(5);
            span[0] = 0xce;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)value);
            _output.Advance(5);
        }
        else
        {
            var span = _output.GetSpan(9);
            span[0] = 0xcf;
            BinaryPrimitives.WriteUInt64BigEndian(span[1..], value);
            _output.Advance(9);
        }
    }

    /// <summary>
    /// Writes a JavaScript number as notepack.io does: an integral finite value as an integer
    /// (−0 as <c>00</c>), anything else (fractions, NaN, ±Infinity) as float 64. Integral values
    /// beyond the 64-bit range are written with JavaScript's 32-bit wrap-around, as notepack does.
    /// </summary>
    public void WriteNumber(double value)
    {
        if (double.IsNaN(value))
        {
            // JavaScript has one NaN: 7ff8000000000000 (.NET's double.NaN has the sign bit set).
            WriteFloat64(BitConverter.Int64BitsToDouble(0x7ff8000000000000));
            return;
        }

        if (!double.IsFinite(value) || Math.Floor(value) != value)
        {
            WriteFloat64(value);
            return;
        }

        // 2^63 is the first double a long cannot hold; every integral double below it converts exactly.
        if (value >= -9223372036854775808.0 && value < 9223372036854775808.0)
        {
            WriteInteger((long)value);
            return;
        }

        // What notepack computes with JavaScript's ToInt32/ToUint32 for such magnitudes.
        var span = _output.GetSpan(9);
        if (value > 0)
        {
            span[0] = 0xcf;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], JsToUint32(Math.Truncate(value / TwoPow32)));
        }
        else
        {
            span[0] = 0xd3;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], JsToUint32(Math.Floor(value / TwoPow32)));
        }

        BinaryPrimitives.WriteUInt32BigEndian(span[5..], JsToUint32(value));
        _output.Advance(9);
    }

    /// <summary>Writes a float 64 (<c>cb</c>).</summary>
    public void WriteFloat64(double value)
    {
        var span = _output.GetSpan(9);
        span[0] = 0xcb;
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
        _output.Advance(9);
    }

    /// <summary>Writes a float 32 (<c>ca</c>). notepack.io never writes this format.</summary>
    public void WriteFloat32(float value)
    {
        var span = _output.GetSpan(5);
        span[0] = 0xca;
        BinaryPrimitives.WriteSingleBigEndian(span[1..], value);
        _output.Advance(5);
    }

    /// <summary>Writes a string as UTF-8 (fixstr, str 8/16/32). Lone surrogates become U+FFFD.</summary>
    public void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteString(value.AsSpan());
    }

    /// <summary>Writes a string as UTF-8 (fixstr, str 8/16/32). Lone surrogates become U+FFFD.</summary>
    public void WriteString(ReadOnlySpan<char> value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteStringHeader(length);
        var span = _output.GetSpan(length);
        var written = Encoding.UTF8.GetBytes(value, span);
        _output.Advance(written);
    }

    /// <summary>Writes a string given as UTF-8 bytes (fixstr, str 8/16/32).</summary>
    public void WriteUtf8String(ReadOnlySpan<byte> utf8)
    {
        WriteStringHeader(utf8.Length);
        WriteRaw(utf8);
    }

    /// <summary>Writes binary data (bin 8/16/32).</summary>
    public void WriteBinary(ReadOnlySpan<byte> data)
    {
        var length = data.Length;
        if (length <= byte.MaxValue)
        {
            var span = _output.GetSpan(2);
            span[0] = 0xc4;
            span[1] = (byte)length;
            _output.Advance(2);
        }
        else if (length <= ushort.MaxValue)
        {
            var span = _output.GetSpan(3);
            span[0] = 0xc5;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
            _output.Advance(3);
        }
        else
        {
            var span = _output.GetSpan(5);
            span[0] = 0xc6;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            _output.Advance(5);
        }

        WriteRaw(data);
    }

    /// <summary>Writes an array header (fixarray, array 16/32); the elements follow.</summary>
    public void WriteArrayHeader(int count) => WriteContainerHeader(count, 0x90, 0xdc);

    /// <summary>Writes a map header (fixmap, map 16/32); the keys and values follow, alternating.</summary>
    public void WriteMapHeader(int count) => WriteContainerHeader(count, 0x80, 0xde);

    /// <summary>
    /// Writes an extension value: fixext 1/2/4/8/16 when the length is one of those, ext 8/16/32 otherwise.
    /// </summary>
    public void WriteExtension(sbyte type, ReadOnlySpan<byte> data)
    {
        var length = data.Length;
        byte fixext = length switch
        {
            1 => 0xd4,
            2 => 0xd5,
            4 => 0xd6,
            8 => 0xd7,
            16 => 0xd8,
            _ => 0,
        };
        if (fixext != 0)
        {
            var span = _output.GetSpan(2);
            span[0] = fixext;
            span[1] = (byte)type;
            _output.Advance(2);
        }
        else if (length <= byte.MaxValue)
        {
            var span = _output.GetSpan(3);
            span[0] = 0xc7;
            span[1] = (byte)length;
            span[2] = (byte)type;
            _output.Advance(3);
        }
        else if (length <= ushort.MaxValue)
        {
            var span = _output.GetSpan(4);
            span[0] = 0xc8;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
            span[3] = (byte)type;
            _output.Advance(4);
        }
        else
        {
            var span = _output.GetSpan(6);
            span[0] = 0xc9;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            span[5] = (byte)type;
            _output.Advance(6);
        }

        WriteRaw(data);
    }

    /// <summary>
    /// Writes a timestamp (extension type −1) in its smallest form: timestamp 32 for whole
    /// seconds in [0, 2^32), timestamp 64 for seconds in [0, 2^34), timestamp 96 otherwise.
    /// </summary>
    /// <param name="seconds">Seconds since 1970-01-01T00:00:00Z (may be negative).</param>
    /// <param name="nanoseconds">Nanoseconds within the second, 0 to 999,999,999.</param>
    public void WriteTimestamp(long seconds, uint nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nanoseconds, 999_999_999u);
        if ((seconds >> 34) == 0)
        {
            if (nanoseconds == 0 && seconds <= uint.MaxValue)
            {
                var span32 = _output.GetSpan(6);
                span32[0] = 0xd6;
                span32[1] = 0xff;
                BinaryPrimitives.WriteUInt32BigEndian(span32[2..], (uint)seconds);
                _output.Advance(6);
                return;
            }

            var span64 = _output.GetSpan(10);
            span64[0] = 0xd7;
            span64[1] = 0xff;
            BinaryPrimitives.WriteUInt64BigEndian(span64[2..], ((ulong)nanoseconds << 34) | (ulong)seconds);
            _output.Advance(10);
            return;
        }

        var span = _output.GetSpan(15);
        span[0] = 0xc7;
        span[1] = 12;
        span[2] = 0xff;
        BinaryPrimitives.WriteUInt32BigEndian(span[3..], nanoseconds);
        BinaryPrimitives.WriteInt64BigEndian(span[7..], seconds);
        _output.Advance(15);
    }

    /// <summary>
    /// Writes a date as notepack.io writes a JavaScript <c>Date</c>: truncated to the millisecond
    /// (JavaScript's precision), then <see cref="WriteTimestamp(long, uint)"/>.
    /// </summary>
    public void WriteTimestamp(DateTimeOffset value)
    {
        var milliseconds = Math.DivRem(value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks, TimeSpan.TicksPerMillisecond, out var subMillisecond);
        if (subMillisecond < 0)
        {
            milliseconds--;
        }

        var seconds = Math.DivRem(milliseconds, 1000, out var millisecondPart);
        if (millisecondPart < 0)
        {
            seconds--;
            millisecondPart += 1000;
        }

        WriteTimestamp(seconds, (uint)millisecondPart * 1_000_000u);
    }

    /// <summary>Copies already encoded MessagePack bytes.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        var span = _output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        _output.Advance(bytes.Length);
    }

    private void WriteStringHeader(int length)
    {
        if (length < 32)
        {
            WriteByte((byte)(0xa0 | length));
        }
        else if (length <= byte.MaxValue)
        {
            var span = _output.GetSpan(2);
            span[0] = 0xd9;
            span[1] = (byte)length;
            _output.Advance(2);
        }
        else if (length <= ushort.MaxValue)
        {
            var span = _output.GetSpan(3);
            span[0] = 0xda;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
            _output.Advance(3);
        }
        else
        {
            var span = _output.GetSpan(5);
            span[0] = 0xdb;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            _output.Advance(5);
        }
    }

    private void WriteContainerHeader(int count, byte fix, byte format16)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count < 16)
        {
            WriteByte((byte)(fix | count));
        }
        else if (count <= ushort.MaxValue)
        {
            var span = _output.GetSpan(3);
            span[0] = format16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)count);
            _output.Advance(3);
        }
        else
        {
            var span = _output.GetSpan(5);
            span[0] = (byte)(format16 + 1);
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)count);
            _output.Advance(5);
        }
    }

    private void WriteByte(byte value)
    {
        var span = _output.GetSpan(1);
        span[0] = value;
        _output.Advance(1);
    }

    // JavaScript's ToUint32 for an integral double: the value modulo 2^32.
    private static uint JsToUint32(double integral)
    {
        var modulo = integral % 4294967296.0;
        if (modulo < 0)
        {
            modulo += 4294967296.0;
        }

        return (uint)modulo;
    }
}
