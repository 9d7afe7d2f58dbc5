using System.IO.Compression;
using System.Net;
using System.Text;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>HttpCompression: gzip/deflate for long-polling responses at or above the threshold, when the client accepts it.</summary>
public sealed class CompressionTests
{
    private static async Task<(HttpResponseMessage Response, byte[] Body)> PollWithAcceptEncoding(EngineTestServer server, string sid, string? acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Polling.Url(sid));
        if (acceptEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }

        var response = await server.Polling.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (response, await response.Content.ReadAsByteArrayAsync());
    }

    private static string Decompress(byte[] body, string encoding)
    {
        using var input = new MemoryStream(body);
        using Stream z = encoding == "gzip" ? new GZipStream(input, CompressionMode.Decompress) : new ZLibStream(input, CompressionMode.Decompress);
        using var reader = new StreamReader(z, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip, deflate, br", "gzip")]
    [InlineData("deflate", "deflate")]
    [InlineData("gzip;q=0.5, deflate", "deflate")]
    [InlineData("gzip;q=0, deflate;q=0.1", "deflate")]
    [InlineData("*", "gzip")]
    public async Task Response_above_the_threshold_is_compressed(string acceptEncoding, string expected)
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var text = string.Concat(Enumerable.Repeat("compressible ", 200));
        session.Socket.Send(text);
        session.Socket.Send(new byte[] { 1, 2, 3 });

        var (response, body) = await PollWithAcceptEncoding(server, sid, acceptEncoding);
        using (response)
        {
            Assert.Equal(expected, string.Join(",", response.Content.Headers.ContentEncoding));
            Assert.Equal(body.Length, response.Content.Headers.ContentLength);
            Assert.True(body.Length < text.Length / 4, $"compressed to {body.Length} bytes");
            Assert.Equal("4" + text + "\u001ebAQID", Decompress(body, expected));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("identity")]
    [InlineData("br")]
    [InlineData("gzip;q=0")]
    public async Task Response_is_not_compressed_when_the_client_does_not_accept_it(string? acceptEncoding)
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var text = new string('a', 5000);
        session.Socket.Send(text);

        var (response, body) = await PollWithAcceptEncoding(server, sid, acceptEncoding);
        using (response)
        {
            Assert.Empty(response.Content.Headers.ContentEncoding);
            Assert.Equal("4" + text, Encoding.UTF8.GetString(body));
        }
    }

    [Fact]
    public async Task Response_below_the_threshold_is_not_compressed()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        // 1023 bytes with the type digit: one below Node's default threshold of 1024.
        var text = new string('a', 1022);
        session.Socket.Send(text);

        var (response, body) = await PollWithAcceptEncoding(server, sid, "gzip, deflate");
        using (response)
        {
            Assert.Empty(response.Content.Headers.ContentEncoding);
            Assert.Equal("4" + text, Encoding.UTF8.GetString(body));
        }
    }

    [Fact]
    public async Task Response_exactly_at_the_threshold_is_compressed()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.HttpCompression = new EngineHttpCompressionOptions { Threshold = 100 });
        var (sid, session) = await server.OpenPollingAsync();
        var text = new string('a', 99);
        session.Socket.Send(text);

        var (response, body) = await PollWithAcceptEncoding(server, sid, "gzip");
        using (response)
        {
            Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
            Assert.Equal("4" + text, Decompress(body, "gzip"));
        }
    }

    [Fact]
    public async Task Compression_can_be_turned_off()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.HttpCompression = null);
        var (sid, session) = await server.OpenPollingAsync();
        var text = new string('a', 5000);
        session.Socket.Send(text);

        var (response, body) = await PollWithAcceptEncoding(server, sid, "gzip, deflate");
        using (response)
        {
            Assert.Empty(response.Content.Headers.ContentEncoding);
            Assert.Equal("4" + text, Encoding.UTF8.GetString(body));
        }
    }

    [Fact]
    public async Task Response_whose_packets_were_all_sent_with_compress_false_is_not_compressed()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var text = new string('a', 5000);
        session.Socket.Send(EnginePacket.TextMessage(text), compress: false);
        session.Socket.Send(EnginePacket.TextMessage(text), compress: false);

        var (response, body) = await PollWithAcceptEncoding(server, sid, "gzip, deflate");
        using (response)
        {
            Assert.Empty(response.Content.Headers.ContentEncoding);
            Assert.Equal("4" + text + "\u001e4" + text, Encoding.UTF8.GetString(body));
        }
    }

    [Fact]
    public async Task Response_with_one_compressible_packet_is_compressed_as_in_Node()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var text = new string('a', 5000);
        session.Socket.Send(EnginePacket.TextMessage(text), compress: false);
        session.Socket.Send("small");

        var (response, body) = await PollWithAcceptEncoding(server, sid, "gzip");
        using (response)
        {
            Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
            Assert.Equal("4" + text + "\u001e4small", Decompress(body, "gzip"));
        }
    }
}
