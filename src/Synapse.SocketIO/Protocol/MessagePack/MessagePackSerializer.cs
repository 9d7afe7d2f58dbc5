using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Synapse.SocketIO.Protocol.Json;

namespace Synapse.SocketIO.Protocol.MessagePack;

/// <summary>How <see cref="MessagePackSerializer.Deserialize(ReadOnlySpan{byte}, MessagePackDeserializerOptions?)"/> builds values.</summary>
public sealed record MessagePackDeserializerOptions
{
    /// <summary>The defaults: depth 128, timestamps as <see cref="DateTimeOffset"/>.</summary>
    public static MessagePackDeserializerOptions Default { get; } = new();

    /// <summary>How deeply arrays and maps may nest. Default 128.</summary>
    public int MaxDepth { get; init; } = 128;

    /// <summary>
    /// Produce only values that serialize to the JSON a JavaScript client would receive:
    /// timestamps become ISO-8601 strings (<c>Date.prototype.toISOString</c>) and other extensions
    /// <c>[type, bytes]</c> arrays, as a Node server re-emitting the value would send them.
    /// Default false (timestamps as <see cref="DateTimeOffset"/>, extensions as <see cref="MessagePackExtension"/>).
    /// </summary>
    public bool JsonCompatible { get; init; }
}

/// <summary>
/// MessagePack with the semantics of notepack.io 3.0.1, the codec of Node's Socket.IO Redis
/// adapter, emitter and msgpack parser: a .NET value is written as notepack writes the
/// JavaScript value it stands for, and data is read into the .NET values below.
/// </summary>
/// <remarks>
/// <para>Writing: <c>null</c> → nil; <c>bool</c>; every integer type → the smallest integer format;
/// <c>double</c>, <c>float</c>, <c>decimal</c>, <c>Half</c> → JavaScript numbers (an integral value
/// is an integer: 2.0 → <c>02</c>; otherwise float 64); <c>string</c>, <c>char</c> → str;
/// <c>byte[]</c>, <c>ReadOnlyMemory&lt;byte&gt;</c>, <c>Memory&lt;byte&gt;</c>,
/// <c>ArraySegment&lt;byte&gt;</c> → bin; <see cref="DateTimeOffset"/> and <see cref="DateTime"/>
/// (unspecified kind = UTC) → timestamp at millisecond precision, as a JavaScript <c>Date</c>;
/// <see cref="MessagePackExtension"/> → ext; dictionaries → maps (keys as text, entries in
/// enumeration order, null values as nil); other sequences → arrays; <see cref="JsonElement"/> →
/// its JSON value; anything else → its System.Text.Json form with the given options (the form
/// Socket.IO clients receive), binary values included at any depth.</para>
/// <para>Reading: nil → <c>null</c>; booleans; integers → <c>long</c> (<c>ulong</c> above
/// <see cref="long.MaxValue"/>); floats → <c>double</c>; str → <c>string</c>; bin →
/// <c>byte[]</c>; arrays → <c>object?[]</c>; maps → <c>Dictionary&lt;string, object?&gt;</c> in
/// input order (keys converted to text as JavaScript does, a repeated key keeps its last value);
/// timestamps (and notepack 2.x dates, <c>d7 00</c>) → <see cref="DateTimeOffset"/>; notepack 2.x
/// <c>undefined</c> (<c>d4 00 00</c>) → <c>null</c>; other extensions → <see cref="MessagePackExtension"/>.
/// The input must hold exactly one value: trailing bytes are an error.</para>
/// <para>Malformed input (truncated, the unused byte <c>c1</c>, lengths or counts larger than what
/// follows, nesting deeper than <see cref="MessagePackDeserializerOptions.MaxDepth"/>) fails with a
/// <see cref="MessagePackException"/>; nothing is allocated for a length before it is checked.</para>
/// </remarks>
public static class MessagePackSerializer
{
    private const int DefaultWriteDepth = 128;

    // What containers are sized for before their elements are read (see ReadValue).
    private const int InitialCapacity = 16;

    /// <summary>Encodes <paramref name="value"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="options">
    /// How objects that are not plain values are serialized first (null: the Socket.IO defaults,
    /// camelCase). Binary values are kept as binary at any depth whatever the options.
    /// </param>
    /// <exception cref="InvalidOperationException">The value nests more than 128 levels (a cycle, say).</exception>
    public static byte[] Serialize(object? value, JsonSerializerOptions? options = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Serialize(buffer, value, options);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes <paramref name="value"/> into <paramref name="output"/>.</summary>
    /// <inheritdoc cref="Serialize(object?, JsonSerializerOptions?)"/>
    public static void Serialize(IBufferWriter<byte> output, object? value, JsonSerializerOptions? options = null) =>
        new Writer(new MessagePackWriter(output), options).WriteValue(value);

    /// <summary>Decodes one value that fills <paramref name="data"/> exactly.</summary>
    /// <exception cref="MessagePackException">The data is malformed, truncated, too deep, or has trailing bytes.</exception>
    public static object? Deserialize(ReadOnlySpan<byte> data, MessagePackDeserializerOptions? options = null)
    {
        options ??= MessagePackDeserializerOptions.Default;
        var reader = new MessagePackReader(data);
        var value = ReadValue(ref reader, options, 0);
        if (!reader.End)
        {
            throw new MessagePackException($"{reader.Remaining} trailing byte(s) after the value", reader.Position);
        }

        return value;
    }

    /// <summary>Decodes the next value of <paramref name="reader"/>.</summary>
    /// <exception cref="MessagePackException">The data is malformed, truncated or too deep.</exception>
    public static object? Deserialize(ref MessagePackReader reader, MessagePackDeserializerOptions? options = null) =>
        ReadValue(ref reader, options ?? MessagePackDeserializerOptions.Default, 0);

    private static object? ReadValue(ref MessagePackReader reader, MessagePackDeserializerOptions options, int depth)
    {
        switch (reader.NextType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.Boolean:
                return reader.ReadBoolean();
            case MessagePackType.Integer:
                if (reader.PeekByte() == 0xcf)
                {
                    var unsigned = reader.ReadUInt64();
                    return unsigned > long.MaxValue ? unsigned : (object)(long)unsigned;
                }

                return reader.ReadInt64();
            case MessagePackType.Float:
                return reader.ReadDouble();
            case MessagePackType.String:
                return reader.ReadString();
            case MessagePackType.Binary:
                return reader.ReadBinary().ToArray();
            case MessagePackType.Array:
            {
                if (depth >= options.MaxDepth)
                {
                    throw new MessagePackException($"The data nests more than {options.MaxDepth} levels deep", reader.Position);
                }

                var count = reader.ReadArrayHeader();
                // The reader checked the count against the bytes left, but nested containers all
                // count the same bytes: allocating every declared count up front would cost
                // depth x input. The array grows with the elements actually read instead.
                var array = count == 0 ? [] : new object?[Math.Min(count, InitialCapacity)];
                for (var i = 0; i < count; i++)
                {
                    if (i == array.Length)
                    {
                        Array.Resize(ref array, (int)Math.Min(count, 2L * array.Length));
                    }

                    array[i] = ReadValue(ref reader, options, depth + 1);
                }

                return array;
            }

            case MessagePackType.Map:
            {
                if (depth >= options.MaxDepth)
                {
                    throw new MessagePackException($"The data nests more than {options.MaxDepth} levels deep", reader.Position);
                }

                var count = reader.ReadMapHeader();
                // Not sized from the count either (see arrays above): it grows as entries are read.
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < count; i++)
                {
                    var keyOffset = reader.Position;
                    var key = ToPropertyName(ReadValue(ref reader, options, depth + 1), keyOffset);
                    map[key] = ReadValue(ref reader, options, depth + 1);
                }

                return map;
            }

            case MessagePackType.Extension:
                return ReadExtension(ref reader, options);
            default:
                throw reader.Unexpected("a value");
        }
    }

    private static object? ReadExtension(ref MessagePackReader reader, MessagePackDeserializerOptions options)
    {
        var offset = reader.Position;
        var prefix = reader.PeekByte();
        var data = reader.ReadExtension(out var type);
        DateTimeOffset date;
        switch (type)
        {
            case -1 when prefix == 0xd6:
                date = FromUnix((long)BinaryPrimitives.ReadUInt32BigEndian(data), 0, offset);
                break;
            case -1 when prefix == 0xd7:
                var packed = BinaryPrimitives.ReadUInt64BigEndian(data);
                date = FromUnix((long)(packed & 0x3_ffff_ffffUL), (long)(packed >> 34), offset);
                break;
            case -1 when prefix == 0xc7 && data.Length == 12:
                date = FromUnix(
                    BinaryPrimitives.ReadInt64BigEndian(data[4..]),
                    BinaryPrimitives.ReadUInt32BigEndian(data),
                    offset);
                break;
            case 0 when prefix == 0xd7:
                // notepack 2.x: a Date as i64 milliseconds.
                var milliseconds = BinaryPrimitives.ReadInt64BigEndian(data);
                if (milliseconds < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || milliseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
                {
                    throw new MessagePackException("A date is outside the supported range (years 1 to 9999)", offset);
                }

                date = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
                break;
            case 0 when prefix == 0xd4:
                // notepack 2.x: undefined.
                return null;
            default:
                var extension = new MessagePackExtension(type, data.ToArray());
                return options.JsonCompatible ? new object?[] { (long)extension.Type, extension.Data } : extension;
        }

        return options.JsonCompatible ? JavaScriptJson.ToIsoString(date) : date;
    }

    private static DateTimeOffset FromUnix(long seconds, long nanoseconds, int offset)
    {
        const long MinSeconds = -62135596800; // 0001-01-01T00:00:00Z
        const long MaxSeconds = 253402300799; // 9999-12-31T23:59:59Z
        if (seconds < MinSeconds || seconds > MaxSeconds)
        {
            throw new MessagePackException("A timestamp is outside the supported range (years 1 to 9999)", offset);
        }

        var ticks = DateTimeOffset.UnixEpoch.UtcTicks + (seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100);
        if (ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new MessagePackException("A timestamp is outside the supported range (years 1 to 9999)", offset);
        }

        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    // A map key becomes a JavaScript property name: String(key).
    private static string ToPropertyName(object? key, int offset) => key switch
    {
        string text => text,
        long number => number.ToString(CultureInfo.InvariantCulture),
        ulong number => number.ToString(CultureInfo.InvariantCulture),
        double number => FormatNumber(number),
        bool flag => flag ? "true" : "false",
        null => "null",
        _ => throw new MessagePackException("A map key must be a string, a number, a boolean or nil", offset),
    };

    private static string FormatNumber(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        Span<byte> buffer = stackalloc byte[JsNumberFormatter.MaxLength];
        return System.Text.Encoding.ASCII.GetString(buffer[..JsNumberFormatter.Format(value, buffer)]);
    }

    private sealed class Writer(MessagePackWriter writer, JsonSerializerOptions? options) : JsValueWriter(options, DefaultWriteDepth)
    {
        protected override void WriteNull() => writer.WriteNil();

        protected override void WriteBoolean(bool value) => writer.WriteBoolean(value);

        protected override void WriteInteger(long value) => writer.WriteInteger(value);

        protected override void WriteUnsigned(ulong value) => writer.WriteInteger(value);

        protected override void WriteNumber(double value) => writer.WriteNumber(value);

        protected override void WriteString(string value) => writer.WriteString(value);

        protected override void WriteBinary(ReadOnlySpan<byte> value) => writer.WriteBinary(value);

        protected override void WriteTimestamp(DateTimeOffset value) => writer.WriteTimestamp(value);

        protected override void WriteExtension(MessagePackExtension value) => writer.WriteExtension(value.Type, value.Data);

        protected override void StartArray(int count) => writer.WriteArrayHeader(count);

        protected override void EndArray()
        {
        }

        protected override void StartMap(int count) => writer.WriteMapHeader(count);

        protected override void WriteKey(string key) => writer.WriteString(key);

        protected override void EndMap()
        {
        }
    }
}
