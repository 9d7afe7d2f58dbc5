using System.Text;
using Microsoft.Extensions.Options;
using Synapse.SocketIO.Redis;
using Synapse.SocketIO.Redis.Resp;
using System.Buffers;

namespace Synapse.SocketIO.Fuzz.Regression;

/// <summary>Inputs the fuzzer found that made the Redis adapter's readers throw.</summary>
public sealed class RedisRegressionTests
{
    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(-9007199254740991L)]
    [InlineData(253402300800000L)]
    public void A_socket_description_issued_out_of_range_reads_as_the_epoch(long issued)
    {
        var nsp = new SocketIOServer(Options.Create(new SocketIOOptions())).Of("/");
        var json = $"{{\"sockets\":[{{\"id\":\"a\",\"handshake\":{{\"issued\":{issued}}}}}]}}";
        var response = Wire.DecodeMap(Encoding.UTF8.GetBytes(json))!;

        var socket = Wire.ReadSocket(nsp, response.Array("sockets")![0]);

        Assert.NotNull(socket);
        Assert.Equal(DateTimeOffset.UnixEpoch, socket.Handshake.Time);
    }

    [Fact]
    public void A_socket_description_issued_in_range_is_kept()
    {
        var nsp = new SocketIOServer(Options.Create(new SocketIOOptions())).Of("/");
        var response = Wire.DecodeMap("{\"sockets\":[{\"id\":\"a\",\"handshake\":{\"issued\":1763761386000}}]}"u8)!;

        Assert.Equal(1763761386000, Wire.ReadSocket(nsp, response.Array("sockets")![0])!.Handshake.Issued);
    }

    [Theory]
    [InlineData("{\"flags\":{\"timeout\":9007199254740991}}", null)]
    [InlineData("{\"flags\":{\"timeout\":922337203685478}}", null)]
    [InlineData("{\"flags\":{\"timeout\":5000}}", 5000L)]
    public void A_broadcast_timeout_beyond_TimeSpan_reads_as_none(string opts, long? expected)
    {
        var options = Wire.ReadOptions(Wire.DecodeMap(Encoding.UTF8.GetBytes(opts)));

        Assert.Equal(expected, (long?)options.Flags.Timeout?.TotalMilliseconds);
    }

    [Theory]
    [InlineData("%9223372036854775807\r\n")]
    [InlineData("%4611686018427387904\r\n")]
    public void A_RESP3_map_count_too_large_to_double_is_invalid_data(string reply)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(reply)));
        try
        {
            RespParser.TryRead(ref reader, out _);
            Assert.Fail("expected InvalidDataException");
        }
        catch (InvalidDataException)
        {
        }
    }
}
