using System.Text;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Fuzz.Targets;

namespace Synapse.SocketIO.Fuzz.Regression;

/// <summary>Compressed WebSocket messages on servers configured as the fuzz server is not.</summary>
public sealed class PerMessageDeflateRegressionTests
{
    [Fact]
    public async Task A_compressed_message_is_inflated_when_MaxHttpBufferSize_is_long_MaxValue()
    {
        // "No limit" made the inflater's limit + 1 overflow: a negative read size threw
        // ArgumentOutOfRangeException out of the inflater, and the server closed the connection at
        // the first compressed message.
        await using var server = new ServerTarget(o =>
        {
            o.MaxHttpBufferSize = long.MaxValue;
            o.PerMessageDeflate = new EnginePerMessageDeflateOptions();
        });
        await server.StartAsync();
        using var compressor = new ClientCompressor(keepContext: true);
        byte[] input =
        [
            .. Encoding.ASCII.GetBytes(
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
            .. Frame(compressor.Compress("40"u8)),
            .. Frame(compressor.Compress("421[\"ack\",\"inflated\"]"u8)),
        ];

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var response = await server.ExchangeAsync(input, timeout.Token, halfCloseDelay: TimeSpan.FromSeconds(2));
        var frames = new List<ServerFrame>();
        ResponseChecker.Check(response, frames);
        server.Errors.ThrowIfAny("while inflating");
        Assert.Contains(frames, f => f.Opcode == 1 && f.Text == "431[\"inflated\"]");
    }

    // A final text frame with RSV1, masked with a zero key: the payload goes as is.
    private static byte[] Frame(byte[] payload) => [0xC1, (byte)(0x80 | payload.Length), 0, 0, 0, 0, .. payload];
}
