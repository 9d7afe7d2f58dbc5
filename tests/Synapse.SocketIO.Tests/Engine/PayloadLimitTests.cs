using System.Net;
using System.Net.WebSockets;
using System.Text;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>MaxHttpBufferSize: 413 for oversized POSTs (with or without Content-Length), close 1009 for oversized WebSocket messages.</summary>
public sealed class PayloadLimitTests
{
    private const int Limit = 1000;

    private static Task<EngineTestServer> StartAsync() => EngineTestServer.StartAsync(o => o.MaxHttpBufferSize = Limit);

    /// <summary>Content without a length: HttpClient sends it chunked.</summary>
    private sealed class ChunkedContent(byte[] data, int chunk) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < data.Length; offset += chunk)
            {
                await stream.WriteAsync(data.AsMemory(offset, Math.Min(chunk, data.Length - offset)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Post_at_the_limit_is_accepted()
    {
        await using var server = await StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var text = new string('x', Limit - 1);

        await server.Polling.SendAsync(sid, "4" + text);
        Assert.Equal(text, await session.ReceiveTextAsync());
    }

    [Fact]
    public async Task Post_over_the_limit_with_content_length_is_413()
    {
        await using var server = await StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        using var response = await server.Polling.PostAsync(sid, "4" + new string('x', Limit));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.False(session.TryReceive(out _));

        // As in Node, the session itself stays usable.
        await server.Polling.SendAsync(sid, "4small");
        Assert.Equal("small", await session.ReceiveTextAsync());
    }

    [Fact]
    public async Task Chunked_post_over_the_limit_is_413()
    {
        await using var server = await StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var body = Encoding.UTF8.GetBytes("4" + new string('y', 3 * Limit));

        using var request = new HttpRequestMessage(HttpMethod.Post, server.Polling.Url(sid)) { Content = new ChunkedContent(body, 256) };
        using var response = await server.Polling.Http.SendAsync(request);
        Assert.True(request.Headers.TransferEncodingChunked is true || request.Content.Headers.ContentLength is null);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.False(session.TryReceive(out _));
    }

    [Fact]
    public async Task Chunked_post_under_the_limit_is_accepted()
    {
        await using var server = await StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var body = Encoding.UTF8.GetBytes(EnginePayload.Join("4" + new string('z', 400), "4" + new string('w', 400)));

        using var response = await server.Polling.Http.PostAsync(server.Polling.Url(sid), new ChunkedContent(body, 100));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal(new string('z', 400), await session.ReceiveTextAsync());
        Assert.Equal(new string('w', 400), await session.ReceiveTextAsync());
    }

    [Fact]
    public async Task Websocket_message_at_the_limit_is_accepted()
    {
        await using var server = await StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        await client.SendTextAsync("4" + new string('x', Limit - 1));
        Assert.Equal(Limit - 1, (await session.ReceiveTextAsync()).Length);
        await client.SendBinaryAsync(new byte[Limit]);
        Assert.Equal(Limit, (await session.ReceiveAsync()).Data.Length);
    }

    [Fact]
    public async Task Websocket_message_over_the_limit_closes_with_1009()
    {
        await using var server = await StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        await client.SendTextAsync("4" + new string('x', Limit));
        var (close, _) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, close.CloseStatus);
        Assert.Equal(EngineCloseReason.TransportError, await session.ClosedReasonAsync());
        Assert.False(session.TryReceive(out _));
    }

    [Fact]
    public async Task Websocket_binary_over_the_limit_closes_with_1009()
    {
        await using var server = await StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        await client.SendBinaryAsync(new byte[Limit + 1]);
        var (close, _) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, close.CloseStatus);
        Assert.Equal(EngineCloseReason.TransportError, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task Websocket_fragments_adding_up_over_the_limit_close_with_1009()
    {
        await using var server = await StartAsync();
        await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
        Assert.Equal(101, (await raw.UpgradeAsync(EngineTestServer.PathAndQuery())).StatusCode);
        var sid = EngineAssert.OpenPacket((await raw.ReadFrameAsync())!.Value.Text).GetProperty("sid").GetString()!;

        await raw.SendFrameAsync(RawFrame.OpText, Encoding.UTF8.GetBytes("4" + new string('a', 599)), fin: false);
        await raw.SendFrameAsync(RawFrame.OpContinuation, Encoding.UTF8.GetBytes(new string('b', 600)));
        var (close, _) = await raw.ReadUntilCloseAsync();
        Assert.Equal(1009, close?.CloseStatus);
        Assert.Equal(EngineCloseReason.TransportError, await server.Session(sid).ClosedReasonAsync());
    }

    [Fact]
    public async Task Websocket_frame_announcing_a_huge_length_is_refused_before_its_payload()
    {
        await using var server = await StartAsync();
        await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
        Assert.Equal(101, (await raw.UpgradeAsync(EngineTestServer.PathAndQuery())).StatusCode);
        await raw.ReadFrameAsync();

        // Announce 1 GiB, send 10 bytes: the server must not wait for (or buffer) the rest.
        await raw.SendFrameAsync(RawFrame.OpBinary, new byte[10], declaredLength: 1L << 30);
        var (close, _) = await raw.ReadUntilCloseAsync();
        Assert.Equal(1009, close?.CloseStatus);
    }
}
