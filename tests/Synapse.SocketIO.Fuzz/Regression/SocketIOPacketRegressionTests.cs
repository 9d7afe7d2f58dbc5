using System.Text;
using Synapse.SocketIO.Fuzz.Targets;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO.Fuzz.Regression;

/// <summary>
/// Inputs the fuzzer found that broke the Socket.IO packet decoder and argument binding, minimized:
/// lone surrogate escapes (<c>"\udaaa"</c>), which JSON.parse accepts and System.Text.Json refuses to
/// read (InvalidOperationException), from the decoder's own placeholder check onwards.
/// </summary>
public sealed class SocketIOPacketRegressionTests
{
    [Fact]
    public void A_placeholder_check_reads_a_property_name_with_a_lone_surrogate()
    {
        var decoder = new SocketIOPacketDecoder();

        var header = decoder.DecodeText(Encoding.UTF8.GetBytes("51-[\"\",{\"\":true,\"\\udaaa\":0},{\"_placeholder\":true,\"num\":0}]"));
        var packet = decoder.DecodeBinary(new byte[] { 7 });

        Assert.Equal(SocketIODecodeStatus.AwaitingAttachments, header.Status);
        Assert.True(packet.IsCompleted, packet.ToString());
    }

    [Fact]
    public void An_escaped_placeholder_name_is_still_a_placeholder()
    {
        var result = new SocketIOPacketDecoder().DecodeText(Encoding.UTF8.GetBytes("51-[\"x\",{\"\\u005fplaceholder\":true,\"num\":5}]"));

        Assert.True(result.IsFailed);
        Assert.Equal("illegal attachments", result.Error);
    }

    // The expected values are C# escapes (attribute strings cannot hold lone surrogates).
    [Theory]
    [InlineData("2/,[\"\",\"\\udaaa\"]", "\\udaaa")]
    [InlineData("2[\"ev\",\"a\\ude00\\ud83db\"]", "a\\ude00\\ud83db")]
    [InlineData("2[\"ev\",\"\\ud83d\\ude00\"]", "\\ud83d\\ude00")]
    [InlineData("2[\"ev\",\"\\\\ud800\\n\\u00e9\\\"\"]", "\\\\ud800\\n\\u00e9\"")]
    public void Lone_surrogate_escapes_read_as_JSON_parse_reads_them(string text, string escapedExpected)
    {
        var expected = System.Text.RegularExpressions.Regex.Unescape(escapedExpected);
        var packet = Decode(text);
        var arguments = new SocketIOArguments(packet, 1, new SocketIOPacketEncoder().SerializerOptions);

        Assert.Equal(expected, arguments.ToObjects()[0]);
        Assert.Equal(expected, arguments.GetValue<string>(0));
        Assert.Equal(expected, JavaScriptJson.ToPlainValue(packet.Payload!.Value[1]));
    }

    [Fact]
    public void A_lone_surrogate_property_name_reads_as_a_key()
    {
        var packet = Decode("2[\"ev\",{\"\\ud800\":1}]");
        var arguments = new SocketIOArguments(packet, 1, new SocketIOPacketEncoder().SerializerOptions);

        var map = Assert.IsType<Dictionary<string, object?>>(arguments.ToObjects()[0]);
        Assert.Equal(1L, map["\ud800"]);
        Assert.True(Assert.IsType<Dictionary<string, object?>>(JavaScriptJson.ToPlainValue(packet.Payload!.Value[1])).ContainsKey("\ud800"));
    }

    [Fact]
    public void The_fuzz_target_passes_the_minimized_inputs()
    {
        var target = new SocketIOPacketTarget();
        target.Run(Convert.FromBase64String("NTEtWyIiLHsiIjp0cnVlLCJcdWRhYWEiOjB9XQ=="));
        target.Run(Convert.FromBase64String("NCJcdWRhYWEi"));
        target.Run(Encoding.UTF8.GetBytes("2/,[\"\",\"\\udaaa\"]"));
    }

    private static SocketIOPacket Decode(string text)
    {
        var result = new SocketIOPacketDecoder().DecodeText(Encoding.UTF8.GetBytes(text));
        Assert.True(result.IsCompleted, result.ToString());
        return result.Packet;
    }
}
