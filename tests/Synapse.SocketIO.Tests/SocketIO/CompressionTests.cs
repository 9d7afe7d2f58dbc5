using System.Net;
using System.Text;
using System.Text.Json;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// Compression at the Socket.IO level: the official socket.io-client over WebSocket with
/// permessage-deflate (its <c>ws</c> transport offers it by default), and the <c>Compress(false)</c>
/// modifiers carried down to the transports.
/// </summary>
public sealed class CompressionTests
{
    private static readonly string Large = string.Concat(Enumerable.Range(0, 400).Select(i => $"line {i % 23} of a long message; "));

    private static Task<SioTestServer> StartAsync(Action<SocketIOServer> setup, bool clientNoContextTakeover = false) =>
        SioTestServer.StartAsync(setup, o => o.PerMessageDeflate = new EnginePerMessageDeflateOptions { ClientNoContextTakeover = clientNoContextTakeover });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Node_client_over_websocket_exchanges_large_text_and_binary_compressed_both_ways(bool clientNoContextTakeover)
    {
        await using var server = await StartAsync(
            io => io.OnConnection(socket =>
            {
                socket.On("echo", (object?[] args, AckCallback ack) => ack(args));
                socket.On("bounce", (string text, byte[] data) => socket.Emit("bounced", text, data));
            }),
            clientNoContextTakeover);
        await using var node = server.StartDriver();

        var connect = await node.ConnectAsync("a", opts: new { transports = new[] { "websocket" }, reconnection = false });
        var socket = await server.SocketAsync(connect);
        var deflate = socket.Conn.PerMessageDeflate;
        Assert.NotNull(deflate);
        Assert.Equal(clientNoContextTakeover, deflate.ClientNoContextTakeover);

        var ack = await node.EmitWithCallbackAsync("a", "echo", [Large, 1]);
        Assert.Equal(Large, ack[0].GetString());

        var binary = Enumerable.Range(0, 50_000).Select(i => (byte)(i % 251 / 50)).ToArray();
        var mark = node.Mark;
        await node.EmitAsync("a", "bounce", Large + " again", SioDriver.Bin(binary));
        var bounced = await node.WaitForAsync("a", "recv", m => m.GetProperty("name").GetString() == "bounced", from: mark);
        var args = bounced.GetProperty("args");
        Assert.Equal(Large + " again", args[0].GetString());
        Assert.Equal(binary, SioDriver.Bytes(args[1]));

        // The client compressed its large messages (ws: 1024 bytes and up) and the server its own.
        Assert.True(deflate.MessagesInflated >= 3, $"{deflate.MessagesInflated} messages inflated");
        Assert.True(deflate.MessagesDeflated >= 3, $"{deflate.MessagesDeflated} messages deflated");
        node.AssertNoErrors();
    }

    [Fact]
    public async Task A_broadcast_reaches_several_Node_clients_compressed_and_Compress_false_goes_out_as_it_is()
    {
        await using var server = await StartAsync(io => io.OnConnection(socket => socket.Join("room")));
        await using var node = server.StartDriver();

        var sockets = new List<Socket>();
        foreach (var client in new[] { "a", "b", "c" })
        {
            var connect = await node.ConnectAsync(client, opts: new { transports = new[] { "websocket" }, reconnection = false });
            sockets.Add(await server.SocketAsync(connect));
        }

        var mark = node.Mark;
        server.Io.To("room").Emit("news", Large, new byte[] { 1, 2, 3 });
        foreach (var client in new[] { "a", "b", "c" })
        {
            var news = await node.WaitForAsync(client, "recv", m => m.GetProperty("name").GetString() == "news", from: mark);
            Assert.Equal(Large, news.GetProperty("args")[0].GetString());
            Assert.Equal(new byte[] { 1, 2, 3 }, SioDriver.Bytes(news.GetProperty("args")[1]));
        }

        Assert.All(sockets, s => Assert.Equal(1, s.Conn.PerMessageDeflate!.MessagesDeflated));

        mark = node.Mark;
        server.Io.To("room").Compress(false).Emit("plain", Large);
        sockets[0].Compress(false).Emit("plain", Large);
        await node.WaitForAsync("a", "recv", m => m.GetProperty("name").GetString() == "plain", from: mark);
        await Wait.UntilAsync(() => node.Received("a", "plain").Count >= 2 && node.Received("c", "plain").Count >= 1, because: "the uncompressed events arrived");
        Assert.All(sockets, s => Assert.Equal(1, s.Conn.PerMessageDeflate!.MessagesDeflated));
        node.AssertNoErrors();
    }

    [Fact]
    public async Task Compress_false_on_a_socket_or_a_broadcast_leaves_the_polling_response_uncompressed()
    {
        // No pings during the test: a ping in a response would make it compressible (Node's rule).
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket => socket.Join("room")), o =>
        {
            o.PingInterval = TimeSpan.FromSeconds(25);
            o.PingTimeout = TimeSpan.FromSeconds(20);
        });
        var polling = server.CreatePollingClient();
        var (sid, _) = await polling.HandshakeAsync();
        await polling.SendAsync(sid, "40");
        var connect = await polling.PollAsync(sid);
        var socket = await server.SocketAsync(JsonDocument.Parse(connect[2..]).RootElement.GetProperty("sid").GetString()!);

        async Task<(string? Encoding, string Body)> PollGzipAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, polling.Url(sid));
            request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
            using var response = await polling.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsByteArrayAsync();
            var encoding = response.Content.Headers.ContentEncoding.FirstOrDefault();
            if (encoding == "gzip")
            {
                using var z = new System.IO.Compression.GZipStream(new MemoryStream(body), System.IO.Compression.CompressionMode.Decompress);
                using var reader = new StreamReader(z, Encoding.UTF8);
                return (encoding, await reader.ReadToEndAsync());
            }

            return (encoding, Encoding.UTF8.GetString(body));
        }

        socket.Compress(false).Emit("big", Large);
        var (encoding, body) = await PollGzipAsync();
        Assert.Null(encoding);
        Assert.Contains(Large, body);

        server.Io.To("room").Compress(false).Emit("big", Large);
        (encoding, body) = await PollGzipAsync();
        Assert.Null(encoding);
        Assert.Contains(Large, body);

        // The default compresses, as before.
        socket.Emit("big", Large);
        (encoding, body) = await PollGzipAsync();
        Assert.Equal("gzip", encoding);
        Assert.Contains(Large, body);
    }
}
