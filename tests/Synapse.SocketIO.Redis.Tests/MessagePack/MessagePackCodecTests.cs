using System.Buffers;
using System.Text;
using Synapse.SocketIO.Protocol;
using Synapse.SocketIO.Protocol.MessagePack;

namespace Synapse.SocketIO.Redis.Tests.MessagePack;

/// <summary>The codec's formats, JavaScript number semantics, round trips and malformed input.</summary>
public sealed class MessagePackCodecTests
{
    [Theory]
    [InlineData(0L, "00")]
    [InlineData(127L, "7f")]
    [InlineData(128L, "cc80")]
    [InlineData(255L, "ccff")]
    [InlineData(256L, "cd0100")]
    [InlineData(65535L, "cdffff")]
    [InlineData(65536L, "ce00010000")]
    [InlineData(4294967295L, "ceffffffff")]
    [InlineData(4294967296L, "cf0000000100000000")]
    [InlineData(long.MaxValue, "cf7fffffffffffffff")]
    [InlineData(-1L, "ff")]
    [InlineData(-32L, "e0")]
    [InlineData(-33L, "d0df")]
    [InlineData(-128L, "d080")]
    [InlineData(-129L, "d1ff7f")]
    [InlineData(-32768L, "d18000")]
    [InlineData(-32769L, "d2ffff7fff")]
    [InlineData(-2147483648L, "d280000000")]
    [InlineData(-2147483649L, "d3ffffffff7fffffff")]
    [InlineData(long.MinValue, "d38000000000000000")]
    public void Integers_take_the_smallest_form_and_read_back(long value, string hex)
    {
        Assert.Equal(hex, Hex(MessagePackSerializer.Serialize(value)));
        Assert.Equal(value, MessagePackSerializer.Deserialize(Convert.FromHexString(hex)));
        // A double with the same integral value is written the same way (JavaScript numbers).
        if (value is > -(1L << 53) and < (1L << 53))
        {
            Assert.Equal(hex, Hex(MessagePackSerializer.Serialize((double)value)));
        }
    }

    [Fact]
    public void Unsigned_64_bit_values_above_long_range_read_as_ulong()
    {
        Assert.Equal("cfffffffffffffffff", Hex(MessagePackSerializer.Serialize(ulong.MaxValue)));
        Assert.Equal(ulong.MaxValue, MessagePackSerializer.Deserialize(Convert.FromHexString("cfffffffffffffffff")));
    }

    [Theory]
    [InlineData(2.0, "02")]
    [InlineData(-0.0, "00")]
    [InlineData(2.5, "cb4004000000000000")]
    [InlineData(double.NaN, "cb7ff8000000000000")]
    [InlineData(double.PositiveInfinity, "cb7ff0000000000000")]
    [InlineData(1e300, "cf0000000000000000")] // integral: notepack takes the integer path and wraps
    [InlineData(18446744073709551616.0, "cf0000000000000000")] // 2^64: notepack's 32-bit wrap-around
    [InlineData(-9223372036854777856.0, "d37ffffffffffff800")] // beyond -2^63, as notepack computes it
    public void Numbers_follow_javascript_and_notepack(double value, string hex) =>
        Assert.Equal(hex, Hex(MessagePackSerializer.Serialize(value)));

    [Fact]
    public void Float32_is_read_as_a_number_and_written_only_when_asked()
    {
        Assert.Equal(1.5, MessagePackSerializer.Deserialize(Convert.FromHexString("ca3fc00000")));
        var buffer = new ArrayBufferWriter<byte>();
        new MessagePackWriter(buffer).WriteFloat32(1.5f);
        Assert.Equal("ca3fc00000", Hex(buffer.WrittenSpan.ToArray()));
        Assert.Equal("cb3ff8000000000000", Hex(MessagePackSerializer.Serialize(1.5f)));
        Assert.Equal("01", Hex(MessagePackSerializer.Serialize(1.0f)));
    }

    [Theory]
    [InlineData(0, "a0")]
    [InlineData(31, "bf")]
    [InlineData(32, "d920")]
    [InlineData(255, "d9ff")]
    [InlineData(256, "da0100")]
    [InlineData(65535, "daffff")]
    [InlineData(65536, "db00010000")]
    public void Strings_take_the_smallest_header(int length, string header)
    {
        var text = new string('x', length);
        var bytes = MessagePackSerializer.Serialize(text);
        Assert.StartsWith(header, Hex(bytes));
        Assert.Equal(header.Length / 2 + length, bytes.Length);
        Assert.Equal(text, MessagePackSerializer.Deserialize(bytes));
    }

    [Theory]
    [InlineData(0, "c400")]
    [InlineData(255, "c4ff")]
    [InlineData(256, "c50100")]
    [InlineData(65536, "c600010000")]
    public void Binary_takes_the_smallest_header(int length, string header)
    {
        var data = new byte[length];
        Random.Shared.NextBytes(data);
        var bytes = MessagePackSerializer.Serialize(data);
        Assert.StartsWith(header, Hex(bytes));
        Assert.Equal(data, MessagePackSerializer.Deserialize(bytes));
        Assert.Equal(bytes, MessagePackSerializer.Serialize(new ReadOnlyMemory<byte>(data)));
        Assert.Equal(bytes, MessagePackSerializer.Serialize(new ArraySegment<byte>([0, .. data], 1, length)));
    }

    [Theory]
    [InlineData(0, "90", "80")]
    [InlineData(15, "9f", "8f")]
    [InlineData(16, "dc0010", "de0010")]
    [InlineData(65535, "dcffff", "deffff")]
    [InlineData(65536, "dd00010000", "df00010000")]
    public void Arrays_and_maps_take_the_smallest_header(int count, string arrayHeader, string mapHeader)
    {
        var array = Enumerable.Range(0, count).Select(i => (object?)(long)(i % 100)).ToArray();
        var encodedArray = MessagePackSerializer.Serialize(array);
        Assert.StartsWith(arrayHeader, Hex(encodedArray));
        Assert.Equal(array, (object?[])MessagePackSerializer.Deserialize(encodedArray)!);

        var map = Enumerable.Range(0, count).ToDictionary(i => "k" + i, i => (object?)(long)i);
        var encodedMap = MessagePackSerializer.Serialize(map);
        Assert.StartsWith(mapHeader, Hex(encodedMap));
        Assert.Equal(map, (Dictionary<string, object?>)MessagePackSerializer.Deserialize(encodedMap)!);
    }

    [Theory]
    [InlineData("1970-01-01T00:00:00.000Z", "d6ff00000000")]
    [InlineData("2024-01-01T00:00:00.000Z", "d6ff65920080")]
    [InlineData("2024-01-02T03:04:05.678Z", "d7ffa1a5d60065937d25")]
    [InlineData("2106-02-07T06:28:16.000Z", "d7ff0000000100000000")] // 2^32 s: beyond timestamp 32
    [InlineData("1969-12-31T23:59:59.999Z", "c70cff3b8b87c0ffffffffffffffff")] // before 1970: timestamp 96
    [InlineData("0001-01-01T00:00:00.000Z", "c70cff00000000fffffff1886e0900")]
    [InlineData("9999-12-31T23:59:59.999Z", "c70cff3b8b87c00000003afff4417f")]
    public void Dates_are_timestamps_with_millisecond_precision(string iso, string hex)
    {
        var date = DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(hex, Hex(MessagePackSerializer.Serialize(date)));
        Assert.Equal(date, MessagePackSerializer.Deserialize(Convert.FromHexString(hex)));
        Assert.Equal(iso, MessagePackSerializer.Deserialize(Convert.FromHexString(hex), new MessagePackDeserializerOptions { JsonCompatible = true }));
    }

    [Fact]
    public void Notepack_2_forms_and_other_extensions_are_read()
    {
        // d7 00 + i64 ms: a 2.x date; d4 00 00: 2.x undefined.
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1704164645678), MessagePackSerializer.Deserialize(Convert.FromHexString("d7000000018cc820db2e")));
        Assert.Null(MessagePackSerializer.Deserialize(Convert.FromHexString("d40000")));

        foreach (var (hex, type, data) in new[]
        {
            ("d40501", (sbyte)5, "01"),
            ("d5050102", (sbyte)5, "0102"),
            ("d6050102030f", (sbyte)5, "0102030f"),
            ("d8050102030405060708090a0b0c0d0e0f10", (sbyte)5, "0102030405060708090a0b0c0d0e0f10"),
            ("c70300010203", (sbyte)0, "010203"),
            ("c80003fe010203", (sbyte)-2, "010203"),
            ("c900000003070a0b0c", (sbyte)7, "0a0b0c"),
        })
        {
            var extension = Assert.IsType<MessagePackExtension>(MessagePackSerializer.Deserialize(Convert.FromHexString(hex)));
            Assert.Equal(type, extension.Type);
            Assert.Equal(data, Hex(extension.Data));
            Assert.Equal(hex.StartsWith("c8", StringComparison.Ordinal) || hex.StartsWith("c9", StringComparison.Ordinal) ? "c703" + hex[^8..] : hex, Hex(MessagePackSerializer.Serialize(extension)));

            // As notepack hands them to JavaScript: [type, Buffer].
            var plain = Assert.IsType<object?[]>(MessagePackSerializer.Deserialize(Convert.FromHexString(hex), new MessagePackDeserializerOptions { JsonCompatible = true }));
            Assert.Equal((long)type, plain[0]);
            Assert.Equal(data, Hex((byte[])plain[1]!));
        }
    }

    [Fact]
    public void Map_keys_become_javascript_property_names_and_repeated_keys_keep_the_last_value()
    {
        // {1: "a", true: "b", nil: "c", 1.5: "d", "x": 1, "x": 2}
        var map = (Dictionary<string, object?>)MessagePackSerializer.Deserialize(Convert.FromHexString("86" + "01a161" + "c3a162" + "c0a163" + "cb3ff8000000000000a164" + "a17801" + "a17802"))!;
        Assert.Equal(["1", "true", "null", "1.5", "x"], map.Keys);
        Assert.Equal(2L, map["x"]);
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize(Convert.FromHexString("81" + "90" + "01")));
    }

    [Fact]
    public void Dotnet_values_map_to_javascript_values()
    {
        var value = new Dictionary<string, object?>
        {
            ["list"] = new List<int> { 1, 2 },
            ["set"] = new HashSet<string> { "a" },
            ["seq"] = Enumerable.Range(1, 2).Select(i => i * 10),
            ["decimal"] = 1.25m,
            ["half"] = (Half)2,
            ["char"] = 'c',
            ["record"] = new Sample("Ada", [7], null),
            ["json"] = System.Text.Json.JsonDocument.Parse("""{"a":[1,2.5,"x",true,null]}""").RootElement,
            ["node"] = System.Text.Json.Nodes.JsonNode.Parse("""{"b":1}"""),
            ["ext"] = new MessagePackExtension(9, [1]),
        };
        var decoded = (Dictionary<string, object?>)MessagePackSerializer.Deserialize(MessagePackSerializer.Serialize(value))!;
        Assert.Equal(new object?[] { 1L, 2L }, decoded["list"]);
        Assert.Equal(new object?[] { "a" }, decoded["set"]);
        Assert.Equal(new object?[] { 10L, 20L }, decoded["seq"]);
        Assert.Equal(1.25, decoded["decimal"]);
        Assert.Equal(2L, decoded["half"]);
        Assert.Equal("c", decoded["char"]);
        var record = (Dictionary<string, object?>)decoded["record"]!;
        Assert.Equal(["name", "avatar", "nickname"], record.Keys); // camelCase, as clients get it
        Assert.Equal(new byte[] { 7 }, record["avatar"]); // binary stays binary inside objects
        Assert.Null(record["nickname"]);
        Assert.Equal(new object?[] { 1L, 2.5, "x", true, null }, ((Dictionary<string, object?>)decoded["json"]!)["a"]);
        Assert.Equal(1L, ((Dictionary<string, object?>)decoded["node"]!)["b"]);
        Assert.Equal(new MessagePackExtension(9, [1]).Type, ((MessagePackExtension)decoded["ext"]!).Type);
    }

    [Fact]
    public void Round_trips_preserve_random_trees()
    {
        var random = new Random(1234);
        for (var i = 0; i < 500; i++)
        {
            var value = RandomValue(random, 0);
            var encoded = MessagePackSerializer.Serialize(value);
            var decoded = MessagePackSerializer.Deserialize(encoded);
            Assert.Equal(Hex(encoded), Hex(MessagePackSerializer.Serialize(decoded)));
            VectorCodecTests.AssertSameValue(System.Text.Json.JsonDocument.Parse(JavaScriptJson.Stringify(VectorCodecTests.Render(decoded))).RootElement, VectorCodecTests.Render(decoded), "$");
        }
    }

    [Fact]
    public void Stringify_matches_json_stringify()
    {
        var value = new Dictionary<string, object?>
        {
            ["buffer"] = new byte[] { 1, 2 },
            ["date"] = new DateTimeOffset(2024, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
            ["nan"] = double.NaN,
            ["big"] = 1e21,
            ["small"] = 1e-7,
            ["text"] = "a\"b\\c\u0001\u2028é/<>",
            ["lone"] = "\ud800x",
            ["nested"] = new object?[] { null, true, 2.5 },
        };
        Assert.Equal(
            """{"buffer":{"type":"Buffer","data":[1,2]},"date":"2024-01-02T03:04:05.678Z","nan":null,"big":1e+21,"small":1e-7,"text":"a\"b\\c\u0001""" + "\u2028" + """é/<>","lone":"\ud800x","nested":[null,true,2.5]}""",
            Encoding.UTF8.GetString(JavaScriptJson.Stringify(value, null, out var containsBinary)));
        Assert.True(containsBinary);
        JavaScriptJson.Stringify(new { a = 1 }, null, out containsBinary);
        Assert.False(containsBinary);
    }

    [Theory]
    [InlineData("", "end of data")]
    [InlineData("c1", "0xc1")]
    [InlineData("cd01", "end of data")] // uint 16 cut short
    [InlineData("cb3ff8", "end of data")]
    [InlineData("a5616263", "declares 5 bytes")]
    [InlineData("d9", "end of data")]
    [InlineData("dbffffffff61", "declares")] // str 32 of 4 GiB
    [InlineData("db7fffffff61", "declares")] // str 32 of 2 GiB
    [InlineData("c6ffffffff", "declares")] // bin 32 of 4 GiB: nothing allocated
    [InlineData("c67ffffff0", "declares")]
    [InlineData("ddffffffff", "declares")] // array 32 of 4 billion elements
    [InlineData("dd7fffffff00", "declares 2147483647 elements")]
    [InlineData("df7fffffff0000", "declares 2147483647 entries")]
    [InlineData("dc0003c0c0", "declares 3 elements")]
    [InlineData("92c0", "declares 2 elements")]
    [InlineData("9291c0", "end of data")]
    [InlineData("81a161", "end of data")]
    [InlineData("c9ffffffff01", "declares")] // ext 32 of 4 GiB
    [InlineData("c90000000501010203", "declares 5 bytes")]
    [InlineData("d7ff0000", "declares 8 bytes")]
    [InlineData("c0c0", "trailing")]
    [InlineData("d6ff", "declares 4 bytes")]
    [InlineData("c70cff0000000000000000", "declares 12 bytes")]
    [InlineData("c70cff000000007fffffffffffffff", "outside the supported range")]
    public void Malformed_input_fails_with_a_clear_error(string hex, string message)
    {
        var error = Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize(Convert.FromHexString(hex)));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused_without_a_stack_overflow()
    {
        var deep = Enumerable.Repeat((byte)0x91, 100_000).Append((byte)0xc0).ToArray();
        var error = Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize(deep));
        Assert.Contains("nests more than 128 levels", error.Message, StringComparison.Ordinal);
        Assert.NotNull(MessagePackSerializer.Deserialize(deep.AsSpan(100_000 - 100), new MessagePackDeserializerOptions { MaxDepth = 100 }));

        var cycle = new List<object?>();
        cycle.Add(cycle);
        Assert.Throws<InvalidOperationException>(() => MessagePackSerializer.Serialize(cycle));
    }

    [Fact]
    public void Random_garbage_never_crashes_and_never_allocates_beyond_its_size()
    {
        var random = new Random(42);
        var valid = MessagePackSerializer.Serialize(new Dictionary<string, object?> { ["a"] = new object?[] { 1L, "two", new byte[] { 3 }, 4.5, null, true }, ["b"] = DateTimeOffset.UnixEpoch });
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 40)];
                random.NextBytes(input);
            }
            else
            {
                // A valid message, truncated or with a byte flipped.
                input = valid[..random.Next(0, valid.Length + 1)];
                if (input.Length > 0 && random.Next(2) == 0)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                MessagePackSerializer.Deserialize(input);
            }
            catch (MessagePackException)
            {
            }

            // Decoding never allocates more than a small multiple of the input (boxed values, dictionaries).
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16384 + (input.Length * 200), $"input {Convert.ToHexString(input)} allocated too much");
        }
    }

    [Fact]
    public void Reader_exposes_each_format()
    {
        var bytes = MessagePackSerializer.Serialize(new object?[] { null, true, -5, 300u, 2.5, "s", new byte[] { 1 }, new Dictionary<string, object?> { ["k"] = 1 }, new MessagePackExtension(3, [9]) });
        var reader = new MessagePackReader(bytes);
        Assert.Equal(MessagePackType.Array, reader.NextType);
        Assert.Equal(9, reader.ReadArrayHeader());
        reader.ReadNil();
        Assert.True(reader.ReadBoolean());
        Assert.Equal(-5, reader.ReadInt64());
        Assert.Equal(300ul, reader.ReadUInt64());
        Assert.Equal(2.5, reader.ReadDouble());
        Assert.Equal("s", reader.ReadString());
        Assert.Equal(new byte[] { 1 }, reader.ReadBinary().ToArray());
        Assert.Equal(1, reader.ReadMapHeader());
        Assert.Equal("k", reader.ReadString());
        reader.Skip();
        Assert.Equal([9], reader.ReadExtension(out var type).ToArray());
        Assert.Equal(3, type);
        Assert.True(reader.End);

        Assert.Throws<MessagePackException>(() => Read(Convert.FromHexString("a161"), (ref MessagePackReader r) => r.ReadInt64()));
        Assert.Throws<MessagePackException>(() => Read(Convert.FromHexString("ff"), (ref MessagePackReader r) => (long)r.ReadUInt64()));
        Assert.Throws<MessagePackException>(() => Read(Convert.FromHexString("cfffffffffffffffff"), (ref MessagePackReader r) => r.ReadInt64()));
    }

    private static long Read(byte[] data, ReaderFunc read)
    {
        var reader = new MessagePackReader(data);
        return read(ref reader);
    }

    private delegate long ReaderFunc(ref MessagePackReader reader);

    private static object? RandomValue(Random random, int depth)
    {
        switch (random.Next(depth > 4 ? 9 : 11))
        {
            case 0: return null;
            case 1: return random.Next(2) == 0;
            case 2: return (long)random.Next(int.MinValue, int.MaxValue) * (random.Next(3) == 0 ? 100000 : 1);
            case 3: return random.NextDouble() * 1e6 - 5e5;
            case 4: return new string((char)random.Next('a', 'z' + 1), random.Next(0, 300));
            case 5: return Enumerable.Range(0, random.Next(0, 40)).Select(_ => (byte)random.Next(256)).ToArray();
            case 6: return DateTimeOffset.FromUnixTimeMilliseconds(random.NextInt64(-62135596800000, 253402300799999));
            case 7: return "é€😀" + random.Next();
            case 8: return new MessagePackExtension((sbyte)random.Next(1, 127), Enumerable.Range(0, random.Next(0, 20)).Select(i => (byte)i).ToArray());
            case 9: return Enumerable.Range(0, random.Next(0, 20)).Select(_ => RandomValue(random, depth + 1)).ToArray();
            default:
                var map = new Dictionary<string, object?>();
                for (var i = random.Next(0, 20); i > 0; i--)
                {
                    map["k" + random.Next(1000)] = RandomValue(random, depth + 1);
                }

                return map;
        }
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private sealed record Sample(string Name, byte[] Avatar, string? Nickname);
}
