using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO.Tests.Protocol;

public class SocketIOPacketEncoderTests
{
    private static readonly SocketIOPacketEncoder Encoder = SocketIOPacketEncoder.Default;

    private static string Text(EncodedSocketIOPacket packet) => Encoding.UTF8.GetString(packet.Text.Span);

    private static string Event(params object?[] args) => Text(Encoder.EncodeEvent("/", "e", args));

    [Fact]
    public void Encodes_the_specification_examples()
    {
        Assert.Equal("40", Text(Encoder.EncodeConnect("/")));
        Assert.Equal("40/admin,{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}", Text(Encoder.EncodeConnect("/admin", new { sid = "oSO0OpakMV_3jnilAAAA" })));
        Assert.Equal("44{\"message\":\"Not authorized\"}", Text(Encoder.EncodeConnectError("/", "Not authorized")));
        Assert.Equal("42[\"foo\"]", Text(Encoder.EncodeEvent("/", "foo", [])));
        Assert.Equal("42/admin,[\"bar\"]", Text(Encoder.EncodeEvent("/admin", "bar", [])));
        Assert.Equal("4212[\"foo\"]", Text(Encoder.EncodeEvent("/", "foo", [], 12)));
        Assert.Equal("43/admin,13[\"bar\"]", Text(Encoder.EncodeAck("/admin", 13, ["bar"])));
        Assert.Equal("43/admin,12[]", Text(Encoder.EncodeAck("/admin", 12, [])));
        Assert.Equal("41", Text(Encoder.EncodeDisconnect("/")));
        Assert.Equal("41/admin,", Text(Encoder.EncodeDisconnect("/admin")));
        Assert.Equal("42999999999999999999[\"a\"]", Text(Encoder.EncodeEvent("/", "a", [], 999999999999999999)));
        Assert.Equal("439223372036854775807[]", Text(Encoder.EncodeAck("/", long.MaxValue, [])));
        Assert.Equal("430[]", Text(Encoder.EncodeAck("/", 0, [])));
        Assert.Equal("42[\"hey\",\"Jude\"]", Text(Encoder.EncodeEvent("/", "hey", ["Jude"])));
        Assert.Equal("40/admin,{\"sid\":\"-G5j-67EZFp-q59rADQM\"}", Text(Encoder.EncodeConnect("/admin", new Dictionary<string, string> { ["sid"] = "-G5j-67EZFp-q59rADQM" })));
    }

    [Fact]
    public void Encodes_the_specification_binary_examples()
    {
        var one = Encoder.EncodeEvent("/", "baz", [new byte[] { 1, 2, 3, 4 }]);
        Assert.Equal("451-[\"baz\",{\"_placeholder\":true,\"num\":0}]", Text(one));
        Assert.Equal(SocketIOPacketType.BinaryEvent, one.Type);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Assert.Single(one.Attachments).ToArray());

        var two = Encoder.EncodeEvent("/admin", "baz", [new byte[] { 1, 2 }, new byte[] { 3, 4 }]);
        Assert.Equal("452-/admin,[\"baz\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", Text(two));
        Assert.Equal([[1, 2], [3, 4]], two.Attachments.Select(a => a.ToArray()));

        var ack = Encoder.EncodeAck("/", 15, ["bar", new byte[] { 1, 2, 3, 4 }]);
        Assert.Equal("461-15[\"bar\",{\"_placeholder\":true,\"num\":0}]", Text(ack));
        Assert.Equal(SocketIOPacketType.BinaryAck, ack.Type);

        Assert.Equal("461-/admin,1[{\"_placeholder\":true,\"num\":0}]", Text(Encoder.EncodeAck("/admin", 1, [new byte[] { 0 }])));
    }

    [Fact]
    public void Encodes_socket_io_parser_test_packets()
    {
        Assert.Equal("40/woot,{\"token\":\"123\"}", Text(Encoder.EncodeConnect("/woot", new { token = "123" })));
        Assert.Equal("41/woot,", Text(Encoder.EncodeDisconnect("/woot")));
        Assert.Equal("42[\"a\",1,{}]", Text(Encoder.EncodeEvent("/", "a", [1, new { }])));
        Assert.Equal("42/test,1[\"a\",1,{}]", Text(Encoder.EncodeEvent("/test", "a", [1, new Dictionary<string, int>()], 1)));
        Assert.Equal("43123[\"a\",1,{}]", Text(Encoder.EncodeAck("/", 123, ["a", 1, new JsonObject()])));
        Assert.Equal("44{\"message\":\"Unauthorized\"}", Text(Encoder.EncodeConnectError("/", "Unauthorized")));
        Assert.Equal("451-/cool,23[\"a\",{\"_placeholder\":true,\"num\":0}]", Text(Encoder.EncodeEvent("/cool", "a", ["abc"u8.ToArray()], 23)));
        Assert.Equal("451-/cool,23[\"a\",{\"b\":[\"c\",{\"_placeholder\":true,\"num\":0}]}]",
            Text(Encoder.EncodeEvent("/cool", "a", [new { b = new object[] { "c", "abc"u8.ToArray() } }], 23)));
        Assert.Equal("461-/back,127[\"a\",{\"_placeholder\":true,\"num\":0},{}]",
            Text(Encoder.EncodeAck("/back", 127, ["a", "xxx"u8.ToArray(), new { }])));
        Assert.Equal("451-999[\"a\",{\"a\":\"b\",\"c\":4,\"e\":{\"g\":null},\"h\":{\"_placeholder\":true,\"num\":0}}]",
            Text(Encoder.EncodeEvent("/", "a", [new { a = "b", c = 4, e = new { g = (object?)null }, h = new byte[9] }], 999)));
    }

    [Fact]
    public void Encodes_connect_error_data()
    {
        Assert.Equal("44/admin,{\"message\":\"nope\",\"data\":{\"content\":\"retry later\"}}",
            Text(Encoder.EncodeConnectError("/admin", "nope", new { content = "retry later" })));
    }

    [Fact]
    public void Wraps_the_text_and_attachments_in_engine_packets()
    {
        byte[] first = [1, 2];
        var second = new ReadOnlyMemory<byte>([9, 3, 4, 9], 1, 2);
        var packet = Encoder.EncodeEvent("/", "x", [first, second]);

        Assert.Equal(3, packet.EnginePackets.Count);
        Assert.False(packet.EnginePackets[0].IsBinary);
        Assert.Equal(EnginePacketType.Message, packet.EnginePackets[0].Type);
        Assert.True(packet.EnginePackets[0].Encoded.Span.SequenceEqual(packet.Text.Span));
        Assert.True(packet.EnginePackets[1].IsBinary);
        Assert.True(packet.EnginePackets[2].IsBinary);
        Assert.Equal(first, packet.EnginePackets[1].Encoded.ToArray());
        Assert.Equal(new byte[] { 3, 4 }, packet.EnginePackets[2].Encoded.ToArray());
        Assert.Equal("452-[\"x\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", packet.ToString());
    }

    private sealed record Upload(string Name, byte[] Content, Memory<byte> Thumbnail, List<object?> Parts);

    [Fact]
    public void Replaces_binary_values_anywhere_with_placeholders_in_order_of_appearance()
    {
        var upload = new Upload("a.png", [1], new byte[] { 2 }, ["p", new ArraySegment<byte>([0, 3, 0], 1, 1), null, (byte[]?)null]);
        var packet = Encoder.EncodeEvent("/", "upload", [
            upload,
            new Dictionary<string, object> { ["raw"] = new ReadOnlyMemory<byte>([4]), ["n"] = new object[] { new byte[] { 5 } } },
            new byte[] { 6 },
        ]);

        Assert.Equal(
            "456-[\"upload\",{\"name\":\"a.png\",\"content\":{\"_placeholder\":true,\"num\":0},\"thumbnail\":{\"_placeholder\":true,\"num\":1},"
            + "\"parts\":[\"p\",{\"_placeholder\":true,\"num\":2},null,null]},"
            + "{\"raw\":{\"_placeholder\":true,\"num\":3},\"n\":[{\"_placeholder\":true,\"num\":4}]},{\"_placeholder\":true,\"num\":5}]",
            Text(packet));
        Assert.Equal([[1], [2], [3], [4], [5], [6]], packet.Attachments.Select(a => a.ToArray()));
    }

    [Fact]
    public void Keeps_event_and_ack_plain_without_binary_values()
    {
        Assert.Equal(SocketIOPacketType.Event, Encoder.EncodeEvent("/", "a", [(byte[]?)null]).Type);
        Assert.Equal("42[\"a\",null]", Text(Encoder.EncodeEvent("/", "a", [(byte[]?)null])));
        Assert.Equal(SocketIOPacketType.Ack, Encoder.EncodeAck("/", 1, ["x"]).Type);
        Assert.Empty(Encoder.EncodeAck("/", 1, ["x"]).Attachments);
    }

    [Fact]
    public void Refuses_binary_values_outside_events_and_acks()
    {
        Assert.Throws<InvalidOperationException>(() => Encoder.EncodeConnect("/", new { data = new byte[] { 1 } }));
        Assert.Throws<InvalidOperationException>(() => Encoder.EncodeConnectError("/", "no", new byte[] { 1 }));
    }

    private sealed class Node
    {
        public Node? Next { get; set; }
    }

    [Fact]
    public void Throws_on_values_json_cannot_represent_and_recovers()
    {
        var cycle = new Node();
        cycle.Next = cycle;

        Assert.Throws<JsonException>(() => Encoder.EncodeEvent("/", "a", [cycle]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Encoder.EncodeEvent("/", "a", [], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Encoder.EncodeAck("/", -5, []));

        // The thread's buffer and writer are clean again.
        Assert.Equal("42[\"ok\"]", Text(Encoder.EncodeEvent("/", "ok", [])));
    }

    private sealed record Person(string FirstName, int Age, double? Score);

    [Fact]
    public void Uses_camel_case_by_default_and_the_injected_options_otherwise()
    {
        var person = new Person("Ada", 36, null);

        Assert.Equal("42[\"p\",{\"firstName\":\"Ada\",\"age\":36,\"score\":null}]", Text(Encoder.EncodeEvent("/", "p", [person])));

        var pascal = new SocketIOPacketEncoder(new JsonSerializerOptions { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true });
        Assert.Equal("42[\"p\",{\"FirstName\":\"Ada\",\"Age\":36}]", Text(pascal.EncodeEvent("/", "p", [person])));
    }

    private sealed class UpperConverter : JsonConverter<string>
    {
        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString()!;

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToUpperInvariant());
    }

    [Fact]
    public void Lets_user_converters_take_precedence()
    {
        var options = new JsonSerializerOptions();
        options.Converters.Add(new UpperConverter());
        var encoder = new SocketIOPacketEncoder(options);

        Assert.Equal("42[\"e\",\"ABC\",{\"S\":\"X\"}]", Text(encoder.EncodeEvent("/", "e", ["abc", new { S = "x" }])));
    }

    [Fact]
    public void Writes_numbers_as_javascript_does()
    {
        Assert.Equal("42[\"e\",1e+21,1e-7,0.1,0,null,null,null,100,-1.5]", Event(1e21, 1e-7, 0.1, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 100.0, -1.5));
        Assert.Equal("42[\"e\",1.1,1e+21,null,0.5]", Event(1.1f, 1e21f, float.NaN, (Half)0.5));
        Assert.Equal("42[\"e\",1.5,100,0.1,-7.922816251426434e+28]", Event(1.50m, 100.000m, 0.1m, decimal.MinValue));
        Assert.Equal("42[\"e\",9007199254740993,-9223372036854775808,18446744073709551615,255]", Event(9007199254740993L, long.MinValue, ulong.MaxValue, (byte)255));
        Assert.Equal("42[\"e\",{\"values\":[1e+300,2.5e-8],\"nullable\":1e+21}]", Event(new { values = new[] { 1e300, 2.5e-8 }, nullable = (double?)1e21 }));
        Assert.Equal("42[\"e\",{\"1.5\":1,\"1e+21\":2,\"NaN\":3}]", Event(new Dictionary<double, int> { [1.5] = 1, [1e21] = 2, [double.NaN] = 3 }));
    }

    [Fact]
    public void Escapes_strings_as_json_stringify_does()
    {
        Assert.Equal("42[\"e\",\"<>&'+`é😀\u2028\u2029\u007f\u0080\uFEFF\uFFFF\"]", Event("<>&'+`é😀\u2028\u2029\u007f\u0080\uFEFF\uFFFF"));
        Assert.Equal("42[\"e\",\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\\u000b\"]", Event("\"\\/\b\f\n\r\t\0\u001f\v"));
        Assert.Equal("42[\"e\",\"a\\ud800b\\udc00\",\"\\udc00\\ud800\",\"😀\\ud83d\"]", Event("a\uD800b\uDC00", "\uDC00\uD800", "😀\uD83D"));
        Assert.Equal("42[\"é\\n\",{\"kéy😀<\":\"\\u0001\"}]", Text(Encoder.EncodeEvent("/", "é\n", [new Dictionary<string, string> { ["kéy😀<"] = "\u0001" }])));
        Assert.Equal("42[\"e\",{\"nested\":[\"\\ud800\"]}]", Event(new { nested = new[] { "\uD800" } }));
        Assert.Equal("42/ñ,[\"\\ud800\"]", Text(Encoder.EncodeEvent("/ñ", "\uD800", [])));
    }

    [Fact]
    public void Writes_json_elements_and_nodes_as_json_stringify_would()
    {
        var element = JsonDocument.Parse("{\"a\" : [1.0, 1E2, -0, 1e400, 0.000001, \"\\u00e9\\/\\uD83D\\uDE00\\ud800\\u001F\"], \"\\u0062\": {\"c\": null, \"d\": true}}").RootElement;
        Assert.Equal("42[\"e\",{\"a\":[1,100,0,null,0.000001,\"é/😀\\ud800\\u001f\"],\"b\":{\"c\":null,\"d\":true}}]", Event(element));
        Assert.Equal("42[\"e\",null]", Event(default(JsonElement)));

        var node = new JsonObject { ["x"] = 1e21, ["y"] = JsonValue.Create(1.5f), ["z"] = new JsonArray("é", 2, null), ["w"] = JsonNode.Parse("2.50") };
        Assert.Equal("42[\"e\",{\"x\":1e+21,\"y\":1.5,\"z\":[\"é\",2,null],\"w\":2.5}]", Event(node));
        Assert.Equal("42[\"e\",3]", Event(JsonValue.Create(3)));
        Assert.Equal("42[\"e\",{\"doc\":[1]}]", Event(new { doc = JsonDocument.Parse("[1.0]") }));
    }

    [Fact]
    public void Produces_independent_packets_from_many_threads()
    {
        var results = new string[2000];
        Parallel.For(0, results.Length, i =>
        {
            var packet = i % 2 == 0
                ? Encoder.EncodeEvent($"/n{i}", "e", [i, new byte[] { (byte)i }, new { text = new string('x', i % 300) }], i)
                : Encoder.EncodeAck("/", i, [i]);
            results[i] = Text(packet);
            if (i % 2 == 0)
            {
                Assert.Equal((byte)i, Assert.Single(packet.Attachments).Span[0]);
            }
        });

        for (int i = 0; i < results.Length; i++)
        {
            string expected = i % 2 == 0
                ? $"451-/n{i},{i}[\"e\",{i},{{\"_placeholder\":true,\"num\":0}},{{\"text\":\"{new string('x', i % 300)}\"}}]"
                : $"43{i}[{i}]";
            Assert.Equal(expected, results[i]);
        }
    }

    [Fact]
    public void Encodes_large_packets_and_keeps_working()
    {
        string big = new('é', 400_000);

        Assert.Equal($"42[\"e\",\"{big}\"]", Event(big));
        Assert.Equal("42[\"e\",1]", Event(1));
    }

    private sealed record Envelope(string Inner);

    private sealed class NestingConverter : JsonConverter<Envelope>
    {
        public override Envelope Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, Envelope value, JsonSerializerOptions options) =>
            writer.WriteStringValue(SocketIOPacketEncoder.Default.EncodeEvent("/", value.Inner, [new byte[] { 7 }]).ToString());
    }

    [Fact]
    public void Allows_encoding_from_inside_a_converter()
    {
        var options = new JsonSerializerOptions();
        options.Converters.Add(new NestingConverter());
        var encoder = new SocketIOPacketEncoder(options);

        var packet = encoder.EncodeEvent("/", "outer", [new byte[] { 1 }, new Envelope("inner"), new byte[] { 2 }]);

        Assert.Equal("452-[\"outer\",{\"_placeholder\":true,\"num\":0},\"451-[\\\"inner\\\",{\\\"_placeholder\\\":true,\\\"num\\\":0}]\",{\"_placeholder\":true,\"num\":1}]", Text(packet));
        Assert.Equal([[1], [2]], packet.Attachments.Select(a => a.ToArray()));
    }

    [Fact]
    public void Round_trips_through_the_decoder()
    {
        var encoded = Encoder.EncodeEvent("/chat", "msg", ["hi", new { file = new byte[] { 1, 2, 3 }, tags = new[] { "a" } }, 2.5], 42);
        var decoder = new SocketIOPacketDecoder();

        var header = decoder.DecodeText(encoded.Text[1..]);
        Assert.Equal(SocketIODecodeStatus.AwaitingAttachments, header.Status);
        var result = decoder.DecodeBinary(encoded.Attachments[0]);

        Assert.True(result.IsCompleted);
        var packet = result.Packet;
        Assert.Equal(SocketIOPacketType.BinaryEvent, packet.Type);
        Assert.Equal("/chat", packet.Namespace);
        Assert.Equal(42, packet.AckId);
        var payload = packet.Payload!.Value;
        Assert.Equal("msg", payload[0].GetString());
        Assert.True(packet.TryGetAttachment(payload[2].GetProperty("file"), out var file));
        Assert.Equal(new byte[] { 1, 2, 3 }, file.ToArray());
        Assert.Equal(2.5, payload[3].GetDouble());

        // Sent on as received, the payload keeps its form.
        Assert.Equal(Encoding.UTF8.GetString(encoded.Text.Span)[4..],
            Text(Encoder.EncodeEvent("/chat", "msg", [payload[1], payload[2], payload[3]], 42))[2..]);
    }
}
