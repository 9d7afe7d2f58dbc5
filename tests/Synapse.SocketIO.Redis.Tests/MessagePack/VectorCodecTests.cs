using System.Globalization;
using System.Text;
using System.Text.Json;
using Synapse.SocketIO.Protocol;
using Synapse.SocketIO.Protocol.MessagePack;

namespace Synapse.SocketIO.Redis.Tests.MessagePack;

/// <summary>Every captured message decodes to what Node saw and re-encodes to the same bytes.</summary>
public sealed class VectorCodecTests
{
    public static TheoryData<string> MessagePackVectors => Vector.Names("msgpack");

    public static TheoryData<string> JsonVectors => Vector.Names("json");

    [Fact]
    public void All_131_vectors_are_there()
    {
        Assert.Equal(131, Vector.All.Count);
        Assert.Equal(Vector.All.Count, Vector.All.Count(v => v.Format is "json" or "msgpack"));
    }

    [Theory]
    [MemberData(nameof(MessagePackVectors))]
    public void MessagePack_vector_decodes_and_reencodes_byte_for_byte(string name)
    {
        var vector = Vector.Get(name);
        var decoded = MessagePackSerializer.Deserialize(vector.Payload);

        AssertSameValue(vector.Decoded, Render(decoded), "$");
        var reencoded = MessagePackSerializer.Serialize(decoded);
        Assert.Equal(Convert.ToHexStringLower(vector.Payload), Convert.ToHexStringLower(reencoded));
    }

    [Theory]
    [MemberData(nameof(JsonVectors))]
    public void Json_vector_parses_and_restringifies_byte_for_byte(string name)
    {
        var vector = Vector.Get(name);
        Assert.Equal((byte)'{', vector.Payload[0]);
        var parsed = JavaScriptJson.Parse(vector.Payload);

        AssertSameValue(vector.Decoded, Render(parsed), "$");
        Assert.Equal(Encoding.UTF8.GetString(vector.Payload), Encoding.UTF8.GetString(JavaScriptJson.Stringify(parsed)));
    }

    [Theory]
    [MemberData(nameof(MessagePackVectors))]
    public void MessagePack_vector_decodes_in_json_compatible_form(string name)
    {
        // What a receiving node hands to its Socket.IO clients: no DateTimeOffset, no extension objects.
        var vector = Vector.Get(name);
        var decoded = MessagePackSerializer.Deserialize(vector.Payload, new MessagePackDeserializerOptions { JsonCompatible = true });
        AssertPlain(decoded);
    }

    [Fact]
    public void Value_types_vector_reads_every_width_and_writes_the_same_forms_from_dotnet_values()
    {
        var vector = Vector.Get("classic-broadcast-value-types-01-broadcast");
        var decoded = (object?[])MessagePackSerializer.Deserialize(vector.Payload)!;
        var types = (Dictionary<string, object?>)((object?[])((Dictionary<string, object?>)decoded[1]!)["data"]!)[1]!;
        Assert.Equal(127L, types["posFixint"]);
        Assert.Equal(200L, types["uint8"]);
        Assert.Equal(60000L, types["uint16"]);
        Assert.Equal(4000000000L, types["uint32"]);
        Assert.Equal(9007199254740992L, types["uint64"]);
        Assert.Equal(-32L, types["negFixint"]);
        Assert.Equal(-100L, types["int8"]);
        Assert.Equal(-30000L, types["int16"]);
        Assert.Equal(-2000000000L, types["int32"]);
        Assert.Equal(-1099511627776L, types["int64"]);
        Assert.Equal(1.5, types["float"]);
        Assert.True(double.IsNaN((double)types["nan"]!));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 678, TimeSpan.Zero), types["dateMs"]);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), types["dateSec"]);
        Assert.Equal("héllo € 😀", types["utf8"]);

        // The same object built from ordinary .NET values (ints, doubles, DateTime, a record) gives Node's bytes.
        var fromDotNet = new Dictionary<string, object?>
        {
            ["posFixint"] = (byte)127,
            ["uint8"] = (short)200,
            ["uint16"] = 60000,
            ["uint32"] = 4000000000u,
            ["uint64"] = 9007199254740992.0,
            ["negFixint"] = (sbyte)-32,
            ["int8"] = -100.0,
            ["int16"] = (short)-30000,
            ["int32"] = -2000000000,
            ["int64"] = -1099511627776L,
            ["float"] = 1.5f,
            ["nan"] = double.NaN,
            ["t"] = true,
            ["f"] = false,
            ["nul"] = null,
            ["dateMs"] = new DateTime(2024, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc).AddTicks(1234), // sub-millisecond part dropped, as a JS Date
            ["dateSec"] = new DateTimeOffset(2024, 1, 1, 1, 0, 0, TimeSpan.FromHours(1)),
            ["utf8"] = "héllo € 😀",
            ["str32"] = new string('y', 32),
            ["map"] = new Dictionary<string, int>(),
        };
        var message = new object?[]
        {
            "kG-Wbx",
            new Dictionary<string, object?> { ["type"] = 2, ["data"] = new object?[] { "types", fromDotNet, null, new List<object?> { null, null, -0.0 } }, ["nsp"] = "/" },
            new { rooms = Array.Empty<string>(), except = new List<string>(), flags = new Dictionary<string, object>() },
        };
        Assert.Equal(Convert.ToHexStringLower(vector.Payload), Convert.ToHexStringLower(MessagePackSerializer.Serialize(message)));
    }

    [Fact]
    public void Binary_vectors_carry_bin_inline_and_records_serialize_like_for_clients()
    {
        var vector = Vector.Get("sharded-broadcast-binary-01-main-broadcast");
        var value = new Dictionary<string, object?>
        {
            ["type"] = 3,
            ["data"] = new
            {
                packet = new { type = 2, data = new object[] { "bin", new byte[] { 1, 2, 3 }, new { when = new DateTimeOffset(2024, 1, 2, 3, 4, 5, 678, TimeSpan.Zero) } } },
                opts = new { rooms = Array.Empty<string>(), except = Array.Empty<string>(), flags = new { } },
            },
            ["uid"] = "e60e9945ac0e08db",
            ["nsp"] = "/",
        };

        // Anonymous objects go through System.Text.Json (camelCase) with binary kept as bin; but a
        // DateTimeOffset property inside one becomes System.Text.Json's text, so compare up to there.
        var encoded = MessagePackSerializer.Serialize(value);
        var expectedPrefix = Convert.ToHexStringLower(vector.Payload)[..Convert.ToHexStringLower(vector.Payload).IndexOf("a4776865", StringComparison.Ordinal)];
        Assert.StartsWith(expectedPrefix, Convert.ToHexStringLower(encoded));
    }

    // The vectors' JSON rendering of MessagePack values (see Vectors/README.md).
    internal static object? Render(object? value) => value switch
    {
        byte[] bytes => new Dictionary<string, object?> { ["$bin"] = Convert.ToHexStringLower(bytes) },
        DateTimeOffset date => new Dictionary<string, object?> { ["$timestamp"] = JavaScriptJson.ToIsoString(date) },
        double number when double.IsNaN(number) => new Dictionary<string, object?> { ["$float"] = "NaN" },
        double number when double.IsPositiveInfinity(number) => new Dictionary<string, object?> { ["$float"] = "Infinity" },
        double number when double.IsNegativeInfinity(number) => new Dictionary<string, object?> { ["$float"] = "-Infinity" },
        MessagePackExtension extension => new Dictionary<string, object?> { ["$ext"] = (long)extension.Type, ["$hex"] = Convert.ToHexStringLower(extension.Data) },
        Dictionary<string, object?> map => map.ToDictionary(p => p.Key, p => Render(p.Value)),
        object?[] array => array.Select(Render).ToArray(),
        _ => value,
    };

    internal static void AssertSameValue(JsonElement expected, object? actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var map = Assert.IsType<Dictionary<string, object?>>(actual);
                if (expected.TryGetProperty("$timestamp", out var timestamp))
                {
                    Assert.Equal(timestamp.GetString(), map["$timestamp"]);
                    return;
                }

                Assert.True(
                    expected.EnumerateObject().Select(p => p.Name).SequenceEqual(map.Keys),
                    $"{path}: keys {string.Join(",", map.Keys)} instead of {string.Join(",", expected.EnumerateObject().Select(p => p.Name))}");
                foreach (var property in expected.EnumerateObject())
                {
                    AssertSameValue(property.Value, map[property.Name], path + "." + property.Name);
                }

                return;
            case JsonValueKind.Array:
                var array = Assert.IsType<object?[]>(actual);
                Assert.Equal(expected.GetArrayLength(), array.Length);
                var i = 0;
                foreach (var item in expected.EnumerateArray())
                {
                    AssertSameValue(item, array[i], $"{path}[{i}]");
                    i++;
                }

                return;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), actual);
                return;
            case JsonValueKind.Number:
                var number = actual switch
                {
                    long l => l,
                    double d => d,
                    ulong u => u,
                    _ => throw new Xunit.Sdk.XunitException($"{path}: expected a number, got {actual?.GetType().Name ?? "null"}"),
                };
                Assert.Equal(expected.GetDouble(), number);
                return;
            case JsonValueKind.True:
            case JsonValueKind.False:
                Assert.Equal(expected.GetBoolean(), actual);
                return;
            default:
                Assert.True(actual is null, $"{path}: expected null, got {Convert.ToString(actual, CultureInfo.InvariantCulture)}");
                return;
        }
    }

    private static void AssertPlain(object? value)
    {
        switch (value)
        {
            case null or string or bool or long or ulong or double or byte[]:
                return;
            case Dictionary<string, object?> map:
                foreach (var item in map.Values)
                {
                    AssertPlain(item);
                }

                return;
            case object?[] array:
                foreach (var item in array)
                {
                    AssertPlain(item);
                }

                return;
            default:
                Assert.Fail($"{value.GetType().Name} is not a JSON-compatible value");
                return;
        }
    }
}
