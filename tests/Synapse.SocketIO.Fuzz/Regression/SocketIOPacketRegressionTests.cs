using System.Text;
using Synapse.SocketIO.Fuzz.Targets;
using Synapse.SocketIO.Protocol;

namespace Synapse.SocketIO.Fuzz.Regression;

/// <summary>Inputs the fuzzer found that broke the Socket.IO packet decoder, minimized.</summary>
public sealed class SocketIOPacketRegressionTests
{
    [Theory]
    // The placeholder check read a property name with a lone surrogate escape: the exception escaped the decoder.
    [InlineData("51-[\"\",{\"\":true,\"\\udaaa\":0}]")]
    // Binding the arguments, or reading a CONNECT_ERROR or CONNECT payload, threw the same way.
    [InlineData("2/,[\"\",\"\\udaaa\"]")]
    [InlineData("4\"\\udaaa\"")]
    [InlineData("0{\"\\ud800\":1}")]
    [InlineData("2[\"ev\",\"\\ude00\\ud83d\"]")]
    [InlineData("2[\"ev\",\"\\ud83d\"]")]
    public void A_lone_surrogate_escape_is_an_invalid_payload(string packet)
    {
        var result = new SocketIOPacketDecoder().DecodeText(Encoding.UTF8.GetBytes(packet));

        Assert.True(result.IsFailed, result.ToString());
        Assert.StartsWith("invalid payload", result.Error);
    }

    [Theory]
    [InlineData("2[\"ev\",\"\\ud83d\\ude00\"]", "\U0001F600")]
    [InlineData("2[\"ev\",\"\\\\ud800\"]", "\\ud800")]
    [InlineData("2[\"ev\",\"\\u00e9\\\"\\ud83d\\uDE00\"]", "\u00e9\"\U0001F600")]
    public void Surrogate_pairs_and_escaped_backslashes_still_decode(string packet, string expected)
    {
        var result = new SocketIOPacketDecoder().DecodeText(Encoding.UTF8.GetBytes(packet));

        Assert.True(result.IsCompleted, result.ToString());
        Assert.Equal(expected, result.Packet.Payload!.Value[1].GetString());
    }

    [Fact]
    public void The_fuzz_target_passes_the_minimized_inputs()
    {
        var target = new SocketIOPacketTarget();
        target.Run(Convert.FromBase64String("NTEtWyIiLHsiIjp0cnVlLCJcdWRhYWEiOjB9XQ=="));
        target.Run(Convert.FromBase64String("NCJcdWRhYWEi"));
    }
}
