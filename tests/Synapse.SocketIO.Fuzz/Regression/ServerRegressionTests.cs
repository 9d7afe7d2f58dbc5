using System.Buffers.Binary;
using System.Text;
using Synapse.SocketIO.Fuzz.Targets;

namespace Synapse.SocketIO.Fuzz.Regression;

/// <summary>Inputs the server fuzzer found, on a real server: each checked by the fuzzer's own properties and explicitly.</summary>
public sealed class ServerRegressionTests : IAsyncLifetime
{
    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");

    private readonly ServerTarget _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_continuation_declaring_a_length_near_long_MaxValue_is_refused_as_too_big()
    {
        // A fragment in progress, then a continuation whose 64-bit length overflowed the size check
        // (the buffer slice then threw ArgumentOutOfRangeException out of the transport).
        byte[] input =
        [
            .. Upgrade,
            0x01, 0x81, 0, 0, 0, 0, (byte)'4',
            0x80, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0,
        ];

        await RunAsync(input);

        Assert.Equal(1009, CloseStatus(await ExchangeAsync(input)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(1005)]
    [InlineData(2000)]
    [InlineData(5000)]
    [InlineData(65535)]
    public async Task A_close_status_that_may_not_appear_on_the_wire_is_answered_with_a_protocol_error(int status)
    {
        // The server used to echo the client's status in its own close frame.
        var input = CloseFrameAfterUpgrade([(byte)(status >> 8), (byte)status]);

        await RunAsync(input);

        Assert.Equal(1002, CloseStatus(await ExchangeAsync(input)));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(4000)]
    public async Task A_valid_close_status_is_echoed(int status)
    {
        var input = CloseFrameAfterUpgrade([(byte)(status >> 8), (byte)status]);

        Assert.Equal(status, CloseStatus(await ExchangeAsync(input)));
    }

    [Fact]
    public async Task A_one_byte_close_body_is_a_protocol_error()
    {
        Assert.Equal(1002, CloseStatus(await ExchangeAsync(CloseFrameAfterUpgrade([3]))));
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_binary_packet_placeholder_check_does_not_break_the_transport()
    {
        // 451-["",{"":true,"\udaaa":0},{"_placeholder":true,"num":0}] then its attachment, over WebSocket.
        var packet = Encoding.UTF8.GetBytes("451-[\"echo\",{\"\":true,\"\\udaaa\":0},{\"_placeholder\":true,\"num\":0}]");
        byte[] input = [.. Upgrade, .. Frame(0x81, "40"u8.ToArray()), .. Frame(0x81, packet), .. Frame(0x82, [1, 2, 3])];

        await RunAsync(input);
    }

    [Theory]
    // The reserved-event check read the event name with System.Text.Json, which threw (logged as a failing handler, found by the long run).
    [InlineData("42[\"\\ud800\",1]")]
    [InlineData("421[\"ack\",\"\\udaaa\",{\"\\ud800\":[\"\\ude00\"]}]")]
    [InlineData("40{\"pid\":\"\\ud800\",\"offset\":\"\\udc00\"}")]
    public async Task Lone_surrogate_escapes_in_event_names_arguments_and_auth_are_handled(string packet)
    {
        byte[] input = [.. Upgrade, .. Frame(0x81, "40"u8.ToArray()), .. Frame(0x81, Encoding.UTF8.GetBytes(packet))];

        await RunAsync(input);
    }

    private static byte[] CloseFrameAfterUpgrade(byte[] body) => [.. Upgrade, .. Frame(0x88, body)];

    private static byte[] Frame(byte first, byte[] payload)
    {
        // Masked with a zero key: the payload goes as is.
        return [first, (byte)(0x80 | payload.Length), 0, 0, 0, 0, .. payload];
    }

    private async Task RunAsync(byte[] input)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _server.RunAsync(input, timeout.Token);
        await _server.CheckHealthAsync();
    }

    private async Task<byte[]> ExchangeAsync(byte[] input)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await _server.ExchangeAsync(input, timeout.Token, halfCloseDelay: TimeSpan.FromSeconds(2));
    }

    // The status of the last frame the server sent, which must be a close frame.
    private static int CloseStatus(byte[] response)
    {
        var head = response.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(head > 0 && Encoding.ASCII.GetString(response, 0, 12) == "HTTP/1.1 101", $"{response.Length} bytes: {Encoding.Latin1.GetString(response)}");
        var pos = head + 4;
        var status = -1;
        while (pos < response.Length)
        {
            var opcode = response[pos] & 0x0F;
            var length = response[pos + 1] & 0x7F;
            var header = 2;
            if (length == 126)
            {
                length = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(pos + 2));
                header = 4;
            }

            status = opcode == 8 && length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(pos + header)) : -1;
            pos += header + length;
        }

        return status;
    }
}
