using System.Text;
using Synapse.SocketIO.Engine;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>The long-polling payload decoder on its own.</summary>
public sealed class EnginePayloadDecoderTests
{
    [Theory]
    [InlineData("4a", new[] { "4:a" }, false)]
    [InlineData("4a\u001e4b", new[] { "4:a", "4:b" }, false)]
    [InlineData("4a\u001e", new[] { "4:a" }, true)]
    [InlineData("4a\u001e\u001e4b", new[] { "4:a" }, true)]
    [InlineData("2\u001ebAQID", new[] { "2:", "4:bin010203" }, false)]
    [InlineData("", new string[0], true)]
    [InlineData("x\u001e4a", new string[0], true)]
    public void Reads_packets_until_the_end_or_the_first_malformed_one(string payload, string[] expected, bool expectError)
    {
        ReadOnlySpan<byte> span = Encoding.UTF8.GetBytes(payload);
        var finished = false;
        var read = new List<string>();
        bool error;
        while (EnginePayloadDecoder.TryReadPacket(ref span, ref finished, out var packet, out error))
        {
            read.Add((int)packet.Type + ":" + (packet.IsBinary ? "bin" + Convert.ToHexString(packet.Data.Span) : Encoding.UTF8.GetString(packet.Data.Span)));
        }

        Assert.Equal(expected, read);
        Assert.Equal(expectError, error);
    }
}
