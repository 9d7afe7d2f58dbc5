using System.Text;
using System.Text.Json;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO.Tests.Protocol;

public class SocketIOPacketDecoderTests
{
    private static ReadOnlyMemory<byte> Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static SocketIOPacket DecodeOne(string text, SocketIODecoderOptions? options = null)
    {
        var result = new SocketIOPacketDecoder(options).DecodeText(Utf8(text));
        Assert.True(result.IsCompleted, $"'{text}' gave {result}");
        return result.Packet;
    }

    private static string DecodeError(string text, SocketIODecoderOptions? options = null)
    {
        var result = new SocketIOPacketDecoder(options).DecodeText(Utf8(text));
        Assert.True(result.IsFailed, $"'{text}' gave {result}");
        return result.Error;
    }

    private static string? Json(SocketIOPacket packet) => packet.Payload?.GetRawText();

    [Theory]
    [InlineData("0", SocketIOPacketType.Connect, "/", null, null)]
    [InlineData("0/admin,", SocketIOPacketType.Connect, "/admin", null, null)]
    [InlineData("0/admin,{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}", SocketIOPacketType.Connect, "/admin", null, "{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}")]
    [InlineData("0/admin,{\"token\":\"123\"}", SocketIOPacketType.Connect, "/admin", null, "{\"token\":\"123\"}")]
    [InlineData("4{\"message\":\"Not authorized\"}", SocketIOPacketType.ConnectError, "/", null, "{\"message\":\"Not authorized\"}")]
    [InlineData("4\"Unauthorized\"", SocketIOPacketType.ConnectError, "/", null, "\"Unauthorized\"")]
    [InlineData("2[\"foo\"]", SocketIOPacketType.Event, "/", null, "[\"foo\"]")]
    [InlineData("2/admin,[\"bar\"]", SocketIOPacketType.Event, "/admin", null, "[\"bar\"]")]
    [InlineData("212[\"foo\"]", SocketIOPacketType.Event, "/", 12L, "[\"foo\"]")]
    [InlineData("2/admin,1[\"tellme\"]", SocketIOPacketType.Event, "/admin", 1L, "[\"tellme\"]")]
    [InlineData("3/admin,13[\"bar\"]", SocketIOPacketType.Ack, "/admin", 13L, "[\"bar\"]")]
    [InlineData("312[]", SocketIOPacketType.Ack, "/", 12L, "[]")]
    [InlineData("1", SocketIOPacketType.Disconnect, "/", null, null)]
    [InlineData("1/admin,", SocketIOPacketType.Disconnect, "/admin", null, null)]
    // From socket.io-parser's own round-trip tests.
    [InlineData("0/woot,{\"token\":\"123\"}", SocketIOPacketType.Connect, "/woot", null, "{\"token\":\"123\"}")]
    [InlineData("1/woot,", SocketIOPacketType.Disconnect, "/woot", null, null)]
    [InlineData("2[\"a\",1,{}]", SocketIOPacketType.Event, "/", null, "[\"a\",1,{}]")]
    [InlineData("2[1,\"a\",{}]", SocketIOPacketType.Event, "/", null, "[1,\"a\",{}]")]
    [InlineData("2/test,1[\"a\",1,{}]", SocketIOPacketType.Event, "/test", 1L, "[\"a\",1,{}]")]
    [InlineData("3123[\"a\",1,{}]", SocketIOPacketType.Ack, "/", 123L, "[\"a\",1,{}]")]
    [InlineData("2[\"b\",{\"a\":\"val\"}]", SocketIOPacketType.Event, "/", null, "[\"b\",{\"a\":\"val\"}]")]
    public void Decodes_text_packets(string text, SocketIOPacketType type, string nsp, long? ackId, string? payload)
    {
        var packet = DecodeOne(text);

        Assert.Equal(type, packet.Type);
        Assert.Equal(nsp, packet.Namespace);
        Assert.Equal(ackId, packet.AckId);
        Assert.Equal(payload, Json(packet));
        Assert.Empty(packet.Attachments);
    }

    [Fact]
    public void Decodes_a_binary_event_with_one_attachment()
    {
        var decoder = new SocketIOPacketDecoder();

        var header = decoder.DecodeText(Utf8("51-[\"baz\",{\"_placeholder\":true,\"num\":0}]"));
        Assert.Equal(SocketIODecodeStatus.AwaitingAttachments, header.Status);
        Assert.True(decoder.IsAwaitingAttachments);

        var result = decoder.DecodeBinary(new byte[] { 1, 2, 3, 4 });

        Assert.True(result.IsCompleted);
        var packet = result.Packet;
        Assert.Equal(SocketIOPacketType.BinaryEvent, packet.Type);
        Assert.True(packet.IsEvent);
        Assert.Equal("/", packet.Namespace);
        Assert.Null(packet.AckId);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Assert.Single(packet.Attachments).ToArray());
        Assert.True(packet.TryGetAttachment(packet.Payload!.Value[1], out var data));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, data.ToArray());
        Assert.False(packet.TryGetAttachment(packet.Payload!.Value[0], out _));
        Assert.False(decoder.IsAwaitingAttachments);
    }

    [Fact]
    public void Decodes_a_binary_event_with_several_attachments_in_a_namespace()
    {
        var decoder = new SocketIOPacketDecoder();

        Assert.Equal(SocketIODecodeStatus.AwaitingAttachments,
            decoder.DecodeText(Utf8("52-/admin,[\"baz\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]")).Status);
        Assert.Equal(SocketIODecodeStatus.AwaitingAttachments, decoder.DecodeBinary(new byte[] { 1, 2 }).Status);
        var result = decoder.DecodeBinary(new byte[] { 3, 4 });

        Assert.True(result.IsCompleted);
        Assert.Equal("/admin", result.Packet.Namespace);
        Assert.Equal(2, result.Packet.Attachments.Count);
        var payload = result.Packet.Payload!.Value;
        Assert.True(result.Packet.TryGetAttachment(payload[1], out var first));
        Assert.True(result.Packet.TryGetAttachment(payload[2], out var second));
        Assert.Equal(new byte[] { 1, 2 }, first.ToArray());
        Assert.Equal(new byte[] { 3, 4 }, second.ToArray());
    }

    [Fact]
    public void Decodes_a_binary_ack_through_engine_messages()
    {
        var decoder = new SocketIOPacketDecoder();

        Assert.Equal(SocketIODecodeStatus.AwaitingAttachments,
            decoder.Decode(new EngineMessage(false, Utf8("61-15[\"bar\",{\"_placeholder\":true,\"num\":0}]"))).Status);
        var result = decoder.Decode(new EngineMessage(true, new byte[] { 1, 2, 3, 4 }));

        Assert.True(result.IsCompleted);
        Assert.Equal(SocketIOPacketType.BinaryAck, result.Packet.Type);
        Assert.True(result.Packet.IsAck);
        Assert.Equal(15, result.Packet.AckId);
    }

    [Fact]
    public void Resolves_placeholders_nested_in_objects_and_arrays_in_any_order()
    {
        var decoder = new SocketIOPacketDecoder();
        decoder.DecodeText(Utf8(
            "53-/cool,23[\"a\",{\"b\":[\"c\",{\"_placeholder\":true,\"num\":2}],\"d\":{\"e\":{\"_placeholder\":true,\"num\":0}}},[[{\"_placeholder\":true,\"num\":1}]]]"));
        decoder.DecodeBinary("zero"u8.ToArray());
        decoder.DecodeBinary("one"u8.ToArray());
        var packet = decoder.DecodeBinary("two"u8.ToArray()).Packet!;

        var payload = packet.Payload!.Value;
        Assert.Equal(23, packet.AckId);
        Assert.True(packet.TryGetAttachment(payload[1].GetProperty("b")[1], out var two));
        Assert.True(packet.TryGetAttachment(payload[1].GetProperty("d").GetProperty("e"), out var zero));
        Assert.True(packet.TryGetAttachment(payload[2][0][0], out var one));
        Assert.Equal("two", Encoding.UTF8.GetString(two.Span));
        Assert.Equal("zero", Encoding.UTF8.GetString(zero.Span));
        Assert.Equal("one", Encoding.UTF8.GetString(one.Span));
    }

    [Theory]
    // socket.io-parser's test list: "throw an error upon parsing error".
    [InlineData("442[\"some\",\"data\"", "invalid payload")]
    [InlineData("0/admin,\"invalid\"", "invalid payload")]
    [InlineData("0[]", "invalid payload")]
    [InlineData("1/admin,{}", "invalid payload")]
    [InlineData("2/admin,\"invalid", "invalid payload")]
    [InlineData("2/admin,{}", "invalid payload")]
    [InlineData("2[{\"toString\":\"foo\"}]", "invalid payload")]
    [InlineData("2[true,\"foo\"]", "invalid payload")]
    [InlineData("2[null,\"bar\"]", "invalid payload")]
    [InlineData("5", "Illegal attachments")]
    [InlineData("51", "Illegal attachments")]
    [InlineData("5a-", "Illegal attachments")]
    [InlineData("51.23-", "Illegal attachments")]
    [InlineData("999", "unknown packet type 9")]
    // isPacketValid: events and acks need a payload, CONNECT_ERROR a string or an object.
    [InlineData("2", "invalid payload")]
    [InlineData("2/admin,", "invalid payload")]
    [InlineData("2/admin", "invalid payload")]
    [InlineData("2[]", "invalid payload")]
    [InlineData("2{}", "invalid payload")]
    [InlineData("2\"foo\"", "invalid payload")]
    [InlineData("2[[\"a\"]]", "invalid payload")]
    [InlineData("3", "invalid payload")]
    [InlineData("3{}", "invalid payload")]
    [InlineData("3\"a\"", "invalid payload")]
    [InlineData("4", "invalid payload")]
    [InlineData("4[]", "invalid payload")]
    [InlineData("412", "invalid payload")]
    [InlineData("0\"a\"", "invalid payload")]
    [InlineData("1\"\"", "invalid payload")]
    [InlineData("5-", "invalid payload")]
    [InlineData("51-", "invalid payload")]
    [InlineData("51-{}", "invalid payload")]
    [InlineData("61-\"x\"", "invalid payload")]
    [InlineData("51-[{\"_placeholder\":true,\"num\":0}]", "invalid payload")]
    // Malformed JSON and trailing garbage.
    [InlineData("2[\"a\"] x", "invalid payload")]
    [InlineData("2[\"a\"][]", "invalid payload")]
    [InlineData("2[\"a\",]", "invalid payload")]
    [InlineData("2['a']", "invalid payload")]
    [InlineData("2[\"a\"/*c*/]", "invalid payload")]
    [InlineData("2[\"a\tb\"]", "invalid payload")]
    [InlineData("2abc", "invalid payload")]
    [InlineData("2/admin,x[\"a\"]", "invalid payload")]
    [InlineData("7", "unknown packet type 7")]
    [InlineData("8[\"a\"]", "unknown packet type 8")]
    [InlineData("x", "unknown packet type NaN")]
    [InlineData("-1", "unknown packet type NaN")]
    [InlineData("/admin,", "unknown packet type NaN")]
    [InlineData("\U0001F600", "unknown packet type NaN")]
    [InlineData("5Infinity-[\"a\"]", "Illegal attachments")]
    [InlineData("5.5-[\"a\"]", "Illegal attachments")]
    [InlineData("50x-[\"a\"]", "Illegal attachments")]
    [InlineData("51e400-[\"a\"]", "Illegal attachments")]
    [InlineData("511-[\"a\"]", "too many attachments")]
    [InlineData("51e3-[\"a\"]", "too many attachments")]
    [InlineData("50x10-[\"a\"]", "too many attachments")]
    // Placeholders that point nowhere (socket.io-parser: "illegal attachments").
    [InlineData("51-[\"hello\",{\"_placeholder\":true,\"num\":\"splice\"}]", "illegal attachments")]
    [InlineData("51-[\"hello\",{\"_placeholder\":true,\"num\":1}]", "illegal attachments")]
    [InlineData("51-[\"hello\",{\"_placeholder\":true,\"num\":-1}]", "illegal attachments")]
    [InlineData("51-[\"hello\",{\"_placeholder\":true}]", "illegal attachments")]
    [InlineData("51-[\"hello\",{\"_placeholder\":true,\"num\":0.5}]", "illegal attachments")]
    [InlineData("52-[\"hello\",{\"x\":[{\"_placeholder\":true,\"num\":2}]}]", "illegal attachments")]
    // Ids socket.io-parser would read as NaN or beyond what a long holds.
    [InlineData("21 2[\"a\"]", "invalid ack id")]
    [InlineData("29223372036854775808[\"a\"]", "invalid ack id")]
    // As in socket.io-parser, a NaN id is noticed after the payload.
    [InlineData("21 2{}", "invalid payload")]
    [InlineData("51-1 2[\"a\",{\"_placeholder\":true,\"num\":1}]", "illegal attachments")]
    public void Rejects_invalid_packets_with_socket_io_parser_messages(string text, string error)
    {
        Assert.Equal(error, DecodeError(text));
    }

    [Fact]
    public void Leaves_reserved_event_names_to_the_socket_layer()
    {
        // socket.io-parser refuses these with "invalid payload"; here the socket layer decides.
        Assert.Equal("[\"connect\"]", Json(DecodeOne("2[\"connect\"]")));
        Assert.Equal("[\"disconnect\",\"123\"]", Json(DecodeOne("2[\"disconnect\",\"123\"]")));
    }

    [Theory]
    // JavaScript's Number() reads "" and whitespace as 0: socket.io-parser's quirks, kept.
    [InlineData("", SocketIOPacketType.Connect, "/", null, null)]
    [InlineData(" ", SocketIOPacketType.Connect, "/", null, null)]
    [InlineData(" {}", SocketIOPacketType.Connect, "/", null, "{}")]
    [InlineData("\u00A0/admin,{}", SocketIOPacketType.Connect, "/admin", null, "{}")]
    [InlineData("0 ", SocketIOPacketType.Connect, "/", 0L, null)]
    [InlineData("01", SocketIOPacketType.Connect, "/", 1L, null)]
    [InlineData("2 [\"a\"]", SocketIOPacketType.Event, "/", 0L, "[\"a\"]")]
    [InlineData("2 7\t[\"a\"]", SocketIOPacketType.Event, "/", 7L, "[\"a\"]")]
    [InlineData("2\u3000\uFEFF42\u2028[\"a\"]", SocketIOPacketType.Event, "/", 42L, "[\"a\"]")]
    [InlineData("2007[\"a\"]", SocketIOPacketType.Event, "/", 7L, "[\"a\"]")]
    [InlineData("29223372036854775807[\"a\"]", SocketIOPacketType.Event, "/", long.MaxValue, "[\"a\"]")]
    [InlineData("2/admin,12[\"a\"]  \n", SocketIOPacketType.Event, "/admin", 12L, "[\"a\"]")]
    [InlineData("2/a/b?x=1,[\"a\"]", SocketIOPacketType.Event, "/a/b?x=1", null, "[\"a\"]")]
    [InlineData("2/,[\"a\"]", SocketIOPacketType.Event, "/", null, "[\"a\"]")]
    [InlineData("2/ñ,[\"é\"]", SocketIOPacketType.Event, "/ñ", null, "[\"é\"]")]
    [InlineData("2[3,\"a\"]", SocketIOPacketType.Event, "/", null, "[3,\"a\"]")]
    [InlineData("0/admin", SocketIOPacketType.Connect, "/admin", null, null)]
    // A binary type announcing no attachment is complete at once, placeholders left as they are.
    [InlineData("5-[\"a\"]", SocketIOPacketType.BinaryEvent, "/", null, "[\"a\"]")]
    [InlineData("50-[\"a\",{\"_placeholder\":true,\"num\":0}]", SocketIOPacketType.BinaryEvent, "/", null, "[\"a\",{\"_placeholder\":true,\"num\":0}]")]
    [InlineData("6 -/x,3[]", SocketIOPacketType.BinaryAck, "/x", 3L, "[]")]
    public void Follows_socket_io_parser_on_odd_but_accepted_input(string text, SocketIOPacketType type, string nsp, long? ackId, string? payload)
    {
        var packet = DecodeOne(text);

        Assert.Equal(type, packet.Type);
        Assert.Equal(nsp, packet.Namespace);
        Assert.Equal(ackId, packet.AckId);
        Assert.Equal(payload, Json(packet));
        Assert.Empty(packet.Attachments);
    }

    [Theory]
    [InlineData("5 2 -", 2)]
    [InlineData("50x2-", 2)]
    [InlineData("50b10-", 2)]
    [InlineData("50o2-", 2)]
    [InlineData("52e0-", 2)]
    [InlineData("5+2-", 2)]
    [InlineData("52.-", 2)]
    [InlineData("52.0-", 2)]
    [InlineData("5002-", 2)]
    [InlineData("5\u00A02\u2029-", 2)]
    [InlineData("510-", 10)]
    public void Reads_the_attachment_count_as_javascript_number_does(string header, int expected)
    {
        var decoder = new SocketIOPacketDecoder();
        Assert.Equal(SocketIODecodeStatus.AwaitingAttachments, decoder.DecodeText(Utf8(header + "[\"a\"]")).Status);
        for (int i = 1; i < expected; i++)
        {
            Assert.Equal(SocketIODecodeStatus.AwaitingAttachments, decoder.DecodeBinary(new byte[] { (byte)i }).Status);
        }

        var result = decoder.DecodeBinary(new byte[] { 0 });
        Assert.True(result.IsCompleted);
        Assert.Equal(expected, result.Packet.Attachments.Count);
    }

    [Fact]
    public void A_placeholder_is_decided_by_the_last_duplicate_member_as_in_json_parse()
    {
        Assert.Equal(SocketIODecodeStatus.AwaitingAttachments, new SocketIOPacketDecoder()
            .DecodeText(Utf8("51-[\"a\",{\"_placeholder\":true,\"_placeholder\":false,\"num\":7}]")).Status);

        var decoder = new SocketIOPacketDecoder();
        decoder.DecodeText(Utf8("51-[\"a\",{\"_placeholder\":false,\"num\":7,\"_placeholder\":true,\"num\":0}]"));
        var packet = decoder.DecodeBinary(new byte[] { 9 }).Packet!;
        Assert.True(packet.TryGetAttachment(packet.Payload!.Value[1], out var data));
        Assert.Equal(new byte[] { 9 }, data.ToArray());

        Assert.Equal("illegal attachments", DecodeError("51-[\"a\",{\"_placeholder\":false,\"_placeholder\":true,\"num\":1}]"));
    }

    [Fact]
    public void Rejects_binary_data_when_no_packet_awaits_it()
    {
        var result = new SocketIOPacketDecoder().DecodeBinary("world"u8.ToArray());

        Assert.True(result.IsFailed);
        Assert.Equal("got binary data when not reconstructing a packet", result.Error);
    }

    [Fact]
    public void Rejects_text_while_attachments_are_awaited_and_starts_afresh()
    {
        var decoder = new SocketIOPacketDecoder();
        decoder.DecodeText(Utf8("51-[\"hello\",{\"_placeholder\":true,\"num\":0}]"));

        var result = decoder.DecodeText(Utf8("2[\"hello\"]"));

        Assert.True(result.IsFailed);
        Assert.Equal("got plaintext data when reconstructing a packet", result.Error);
        Assert.False(decoder.IsAwaitingAttachments);
        Assert.True(decoder.DecodeText(Utf8("2[\"hello\"]")).IsCompleted);
    }

    [Fact]
    public void Resumes_decoding_after_reset()
    {
        var decoder = new SocketIOPacketDecoder();
        Assert.Equal(SocketIODecodeStatus.AwaitingAttachments, decoder.DecodeText(Utf8("51-[\"hello\"]")).Status);

        decoder.Reset();
        var result = decoder.DecodeText(Utf8("2[\"hello\"]"));

        Assert.True(result.IsCompleted);
        Assert.Equal("[\"hello\"]", Json(result.Packet));
    }

    [Fact]
    public void Enforces_the_attachment_limit()
    {
        var options = new SocketIODecoderOptions { MaxAttachments = 2 };

        Assert.Equal("too many attachments", DecodeError(
            "53-[\"hello\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":2}]",
            options));
        Assert.Equal(SocketIODecodeStatus.AwaitingAttachments,
            new SocketIOPacketDecoder(options).DecodeText(Utf8("52-[\"hello\"]")).Status);
        Assert.Equal("too many attachments", DecodeError("511-[\"a\"]"));
        Assert.Equal(10, SocketIODecoderOptions.Default.MaxAttachments);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SocketIODecoderOptions { MaxAttachments = -1 });
    }

    [Fact]
    public void Enforces_the_depth_limit()
    {
        var options = new SocketIODecoderOptions { MaxDepth = 3 };

        Assert.Equal("[\"a\",[[1]]]", Json(DecodeOne("2[\"a\",[[1]]]", options)));
        Assert.Equal("invalid payload: nested deeper than 3", DecodeError("2[\"a\",[[[1]]]]", options));
        Assert.Equal("invalid payload: nested deeper than 3", DecodeError("2[\"a\",{\"b\":{\"c\":{}}}]", options));
        Assert.Equal("invalid payload", DecodeError("2[\"a\",[[1]]", options));

        string deep = "2[\"a\"," + new string('[', 63) + new string(']', 63) + "]";
        Assert.NotNull(DecodeOne(deep).Payload);
        string tooDeep = "2[\"a\"," + new string('[', 64) + new string(']', 64) + "]";
        Assert.Equal("invalid payload: nested deeper than 64", DecodeError(tooDeep));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SocketIODecoderOptions { MaxDepth = 0 });
    }

    [Fact]
    public void Replaces_invalid_utf8_as_javascript_text_decoding_does()
    {
        // "2/<FF>,["<C3>","é"]": a stray byte in the namespace, a truncated sequence in a string.
        byte[] text = [.. "2/"u8, 0xFF, .. ",[\""u8, 0xC3, .. "\",\""u8, 0xC3, 0xA9, .. "\"]"u8];

        var packet = new SocketIOPacketDecoder().DecodeText(text).Packet!;

        Assert.Equal("/\uFFFD", packet.Namespace);
        Assert.Equal("\uFFFD", packet.Payload!.Value[0].GetString());
        Assert.Equal("\u00E9", packet.Payload!.Value[1].GetString());
    }

    [Fact]
    public void Keeps_the_payload_valid_after_the_message_buffer_is_reused()
    {
        byte[] buffer = Encoding.UTF8.GetBytes("2/admin,[\"hello\",{\"a\":[1,2]}]");
        var packet = new SocketIOPacketDecoder().DecodeText(buffer).Packet!;

        Array.Fill(buffer, (byte)'x');

        Assert.Equal("[\"hello\",{\"a\":[1,2]}]", Json(packet));
        Assert.Equal("/admin", packet.Namespace);
    }

    [Fact]
    public void Decodes_namespaces_as_they_change()
    {
        var decoder = new SocketIOPacketDecoder();

        Assert.Equal("/a", decoder.DecodeText(Utf8("2/a,[\"x\"]")).Packet!.Namespace);
        Assert.Equal("/a", decoder.DecodeText(Utf8("2/a,[\"x\"]")).Packet!.Namespace);
        Assert.Equal("/b", decoder.DecodeText(Utf8("2/b,[\"x\"]")).Packet!.Namespace);
        Assert.Equal("/", decoder.DecodeText(Utf8("2[\"x\"]")).Packet!.Namespace);
        Assert.Equal("/a", decoder.DecodeText(Utf8("2/a,[\"x\"]")).Packet!.Namespace);
    }

    [Fact]
    public void Keeps_lone_surrogate_escapes_in_the_payload()
    {
        var packet = DecodeOne("2[\"a\",\"\\ud800\"]");

        Assert.Equal(JsonValueKind.String, packet.Payload!.Value[1].ValueKind);
        Assert.Equal("[\"a\",\"\\ud800\"]", Json(packet));
    }
}
