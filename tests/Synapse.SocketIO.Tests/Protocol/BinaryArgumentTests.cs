using System.Text;
using System.Text.Json;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO.Tests.Protocol;

public class BinaryArgumentTests
{
    private static readonly JsonSerializerOptions Options = SocketIOPacketEncoder.Default.SerializerOptions;

    private static SocketIOPacket Decode(string header, params byte[][] attachments)
    {
        var decoder = new SocketIOPacketDecoder();
        var result = decoder.DecodeText(Encoding.UTF8.GetBytes(header));
        foreach (byte[] attachment in attachments)
        {
            result = decoder.DecodeBinary(attachment);
        }

        Assert.True(result.IsCompleted, result.ToString());
        return result.Packet;
    }

    private sealed record FileMessage(string Name, byte[] Content, ReadOnlyMemory<byte> Preview, List<ArraySegment<byte>> Chunks, Memory<byte> Extra);

    [Fact]
    public void Deserializes_placeholders_into_binary_members_at_any_depth()
    {
        byte[] zero = [0, 0];
        var packet = Decode(
            "54-[\"file\",{\"name\":\"a\",\"content\":{\"_placeholder\":true,\"num\":0},\"preview\":{\"_placeholder\":true,\"num\":1},"
            + "\"chunks\":[{\"_placeholder\":true,\"num\":2},{\"_placeholder\":true,\"num\":3}],\"extra\":{\"_placeholder\":true,\"num\":0}}]",
            zero, [1], [2], [3]);

        var message = packet.Deserialize<FileMessage>(packet.Payload!.Value[1], Options)!;

        Assert.Equal("a", message.Name);
        Assert.Same(zero, message.Content);
        Assert.Equal(new byte[] { 1 }, message.Preview.ToArray());
        Assert.Equal([[2], [3]], message.Chunks.Select(c => c.ToArray()));
        Assert.Equal(zero, message.Extra.ToArray());
    }

    [Fact]
    public void Deserializes_a_top_level_placeholder_argument()
    {
        var packet = Decode("51-[\"x\",{\"_placeholder\":true,\"num\":0}]", [9, 8]);

        Assert.Equal(new byte[] { 9, 8 }, packet.Deserialize<byte[]>(packet.Payload!.Value[1], Options));
        Assert.Equal(new byte[] { 9, 8 }, ((ReadOnlyMemory<byte>)packet.Deserialize(packet.Payload!.Value[1], typeof(ReadOnlyMemory<byte>), Options)!).ToArray());
    }

    [Fact]
    public void Reads_base64_and_null_as_system_text_json_does_and_refuses_dangling_placeholders()
    {
        var packet = Decode("2[\"x\",\"AQI=\",null,{\"_placeholder\":true,\"num\":0}]");

        Assert.Equal(new byte[] { 1, 2 }, packet.Deserialize<byte[]>(packet.Payload!.Value[1], Options));
        Assert.Null(packet.Deserialize<byte[]>(packet.Payload!.Value[2], Options));
        Assert.True(packet.Deserialize<ReadOnlyMemory<byte>>(packet.Payload!.Value[2], Options).IsEmpty);
        Assert.Throws<JsonException>(() => packet.Deserialize<byte[]>(packet.Payload!.Value[3], Options));
        Assert.False(packet.TryGetAttachment(packet.Payload!.Value[3], out _));
    }

    private sealed record Reading(double Value, float Ratio, decimal Price, string Label);

    [Fact]
    public void Reads_numbers_and_strings_with_the_web_defaults()
    {
        var packet = Decode("2[\"x\",{\"value\":\"1.5\",\"ratio\":0.25,\"price\":\"2.10\",\"label\":\"\\u00e9\"},1e21]");

        Assert.Equal(new Reading(1.5, 0.25f, 2.10m, "é"), packet.Deserialize<Reading>(packet.Payload!.Value[1], Options));
        Assert.Equal(1e21, packet.Deserialize<double>(packet.Payload!.Value[2], Options));
    }
}
