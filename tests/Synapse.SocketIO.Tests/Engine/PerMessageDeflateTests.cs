using System.IO.Compression;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Configuration;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>
/// WebSocket permessage-deflate (RFC 7692) over raw frames: negotiation, compressed client
/// messages with and without context takeover, compressed server messages above the threshold,
/// the per-packet compress flag, and the limits.
/// </summary>
public sealed class PerMessageDeflateTests
{
    private const string Offer = "permessage-deflate; client_max_window_bits";
    private const string Answer = "permessage-deflate; server_no_context_takeover";
    private const int RsvCompressed = 4;

    private static Task<EngineTestServer> StartAsync(Action<EngineIOOptions>? configure = null) =>
        EngineTestServer.StartAsync(o =>
        {
            o.PerMessageDeflate = new EnginePerMessageDeflateOptions();
            configure?.Invoke(o);
        });

    /// <summary>A raw WebSocket session: the 101 response, the open packet read, the server side of the session.</summary>
    private static async Task<(RawConnection Raw, RawHttpResponse Response, ServerSession Session)> OpenRawAsync(EngineTestServer server, string? offer)
    {
        var raw = await RawConnection.ConnectAsync(server.BaseUri);
        KeyValuePair<string, string>[] headers = offer is null ? [] : [new("Sec-WebSocket-Extensions", offer)];
        var response = await raw.UpgradeAsync(EngineTestServer.PathAndQuery(), extraHeaders: headers);
        Assert.Equal(101, response.StatusCode);
        var open = (await raw.ReadFrameAsync())!.Value;
        // The open packet is compressed too when the threshold is low enough.
        var openText = open.Rsv1 ? Encoding.UTF8.GetString(Inflate(open.Payload)) : open.Text;
        var sid = EngineAssert.OpenPacket(openText).GetProperty("sid").GetString()!;
        return (raw, response, server.Session(sid));
    }

    /// <summary>Inflates a server message: its payload, then the removed 00 00 ff ff, then a final empty block.</summary>
    private static byte[] Inflate(byte[] payload)
    {
        using var input = new MemoryStream([.. payload, 0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff]);
        using var inflater = new DeflateStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        inflater.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>The client side of a compressed stream: each message flushed, its trailing 00 00 ff ff removed.</summary>
    private sealed class ClientDeflater : IDisposable
    {
        private readonly MemoryStream _output = new();
        private DeflateStream? _deflate;
        private readonly bool _keepContext;

        public ClientDeflater(bool keepContext) => _keepContext = keepContext;

        public byte[] Compress(byte[] message)
        {
            if (!_keepContext)
            {
                _deflate?.Dispose();
                _deflate = null;
            }

            _deflate ??= new DeflateStream(_output, CompressionLevel.Optimal, leaveOpen: true);
            var start = (int)_output.Length;
            _deflate.Write(message);
            _deflate.Flush();
            var all = _output.ToArray();
            Assert.Equal(new byte[] { 0x00, 0x00, 0xff, 0xff }, all[^4..]);
            // A disposed deflater (no context) writes its final block afterwards: start after it next time.
            var compressed = all[start..^4];
            if (!_keepContext)
            {
                _deflate.Dispose();
                _deflate = null;
                _output.SetLength(0);
            }

            return compressed;
        }

        public void Dispose() => _deflate?.Dispose();
    }

    [Fact]
    public void Options_bind_from_configuration()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["PerMessageDeflate:Threshold"] = "2048",
                ["PerMessageDeflate:CompressionLevel"] = "Optimal",
            })
            .Build();

        var engine = new EngineIOOptions();
        Assert.Null(engine.PerMessageDeflate);
        configuration.Bind(engine);
        Assert.Equal(2048, engine.PerMessageDeflate!.Threshold);
        Assert.Equal(CompressionLevel.Optimal, engine.PerMessageDeflate.CompressionLevel);

        var io = new SocketIOOptions();
        configuration.Bind(io);
        Assert.Equal(2048, io.Engine.PerMessageDeflate!.Threshold);
        Assert.Equal(1024, new EnginePerMessageDeflateOptions().Threshold);
    }

    [Fact]
    public async Task Off_by_default_the_offer_is_not_answered_and_nothing_is_compressed()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (raw, response, session) = await OpenRawAsync(server, Offer);
        await using var _ = raw;
        Assert.Null(response.Header("Sec-WebSocket-Extensions"));
        Assert.Null(session.Socket.PerMessageDeflate);

        var text = new string('a', 5000);
        session.Socket.Send(text);
        var frame = (await raw.ReadFrameAsync())!.Value;
        Assert.False(frame.Rsv1);
        Assert.Equal("4" + text, frame.Text);
    }

    [Fact]
    public async Task On_but_not_offered_there_is_no_extension()
    {
        await using var server = await StartAsync();
        var (raw, response, session) = await OpenRawAsync(server, offer: null);
        await using var _ = raw;
        Assert.Null(response.Header("Sec-WebSocket-Extensions"));
        Assert.Null(session.Socket.PerMessageDeflate);

        var text = new string('b', 5000);
        session.Socket.Send(text);
        var frame = (await raw.ReadFrameAsync())!.Value;
        Assert.False(frame.Rsv1);
        Assert.Equal("4" + text, frame.Text);
    }

    [Theory]
    [InlineData("permessage-deflate; client_max_window_bits", Answer)]
    [InlineData("permessage-deflate", Answer)]
    [InlineData("permessage-deflate; server_no_context_takeover; client_max_window_bits=10", Answer)]
    [InlineData("permessage-deflate; client_no_context_takeover", Answer + "; client_no_context_takeover")]
    [InlineData("permessage-deflate; server_max_window_bits=15", Answer + "; server_max_window_bits=15")]
    [InlineData("permessage-deflate; server_max_window_bits=\"15\"", Answer + "; server_max_window_bits=15")]
    // A window below 15 bits cannot be promised: the next offer is taken, or none.
    [InlineData("permessage-deflate; server_max_window_bits=10, permessage-deflate; client_max_window_bits", Answer)]
    [InlineData("permessage-deflate; server_max_window_bits=10", null)]
    [InlineData("permessage-deflate; client_max_window_bits=16", null)]
    [InlineData("permessage-deflate; unknown_parameter", null)]
    [InlineData("permessage-deflate; client_no_context_takeover; client_no_context_takeover", null)]
    [InlineData("x-webkit-deflate-frame", null)]
    [InlineData("x-webkit-deflate-frame, permessage-deflate", Answer)]
    public async Task Offers_are_answered_or_declined(string offer, string? answer)
    {
        await using var server = await StartAsync();
        var (raw, response, session) = await OpenRawAsync(server, offer);
        await using var _ = raw;
        Assert.Equal(answer, response.Header("Sec-WebSocket-Extensions"));
        Assert.Equal(answer is not null, session.Socket.PerMessageDeflate is not null);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Compressed_client_messages_are_inflated(bool keepContext)
    {
        await using var server = await StartAsync();
        var (raw, response, session) = await OpenRawAsync(server, keepContext ? Offer : "permessage-deflate; client_no_context_takeover");
        await using var _ = raw;
        Assert.Equal(keepContext ? Answer : Answer + "; client_no_context_takeover", response.Header("Sec-WebSocket-Extensions"));
        using var deflater = new ClientDeflater(keepContext);

        // Random hex: compressible, but with little to refer back to inside itself.
        var first = "4" + string.Concat(Enumerable.Range(0, 60).Select(_ => Guid.NewGuid().ToString("N")));
        var compressedFirst = deflater.Compress(Encoding.UTF8.GetBytes(first));
        await raw.SendFrameAsync(RawFrame.OpText, compressedFirst, rsv: RsvCompressed);
        Assert.Equal(first[1..], await session.ReceiveTextAsync());

        // The same message again: with context it is little more than a reference to the first.
        var compressedAgain = deflater.Compress(Encoding.UTF8.GetBytes(first));
        Assert.True(keepContext ? compressedAgain.Length < compressedFirst.Length / 4 : compressedAgain.Length == compressedFirst.Length, $"{compressedAgain.Length} vs {compressedFirst.Length}");
        await raw.SendFrameAsync(RawFrame.OpText, compressedAgain, rsv: RsvCompressed);
        Assert.Equal(first[1..], await session.ReceiveTextAsync());

        // A binary message, an uncompressed one in between, and a compressed one split into three frames.
        var binary = Enumerable.Range(0, 4000).Select(i => (byte)(i % 7)).ToArray();
        await raw.SendFrameAsync(RawFrame.OpBinary, deflater.Compress(binary), rsv: RsvCompressed);
        var received = await session.ReceiveAsync();
        Assert.True(received.IsBinary);
        Assert.Equal(binary, received.Data.ToArray());

        await raw.SendTextFrameAsync("4plain");
        Assert.Equal("plain", await session.ReceiveTextAsync());

        var last = "4" + new string('z', 3000) + " end";
        var compressedLast = deflater.Compress(Encoding.UTF8.GetBytes(last));
        var third = compressedLast.Length / 3;
        await raw.SendFrameAsync(RawFrame.OpText, compressedLast[..third], fin: false, rsv: RsvCompressed);
        await raw.SendFrameAsync(RawFrame.OpContinuation, compressedLast[third..(2 * third)], fin: false);
        await raw.SendFrameAsync(RawFrame.OpContinuation, compressedLast[(2 * third)..]);
        Assert.Equal(last[1..], await session.ReceiveTextAsync());
        Assert.Equal(4, session.Socket.PerMessageDeflate!.MessagesInflated);
    }

    [Fact]
    public async Task ClientNoContextTakeover_is_answered_even_when_not_offered()
    {
        await using var server = await StartAsync(o => o.PerMessageDeflate!.ClientNoContextTakeover = true);
        var (raw, response, session) = await OpenRawAsync(server, Offer);
        await using var _ = raw;
        Assert.Equal(Answer + "; client_no_context_takeover", response.Header("Sec-WebSocket-Extensions"));
        Assert.True(session.Socket.PerMessageDeflate!.ClientNoContextTakeover);

        using var deflater = new ClientDeflater(keepContext: false);
        for (var i = 0; i < 3; i++)
        {
            var text = $"4{i} " + new string((char)('a' + i), 2000);
            await raw.SendFrameAsync(RawFrame.OpText, deflater.Compress(Encoding.UTF8.GetBytes(text)), rsv: RsvCompressed);
            Assert.Equal(text[1..], await session.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task Server_messages_at_or_above_the_threshold_are_compressed_unless_told_not_to()
    {
        await using var server = await StartAsync(o => o.PerMessageDeflate!.Threshold = 100);
        var (raw, _, session) = await OpenRawAsync(server, Offer);
        await using var _r = raw;

        var large = string.Concat(Enumerable.Repeat("compressible text ", 50));
        session.Socket.Send(large);
        var frame = (await raw.ReadFrameAsync())!.Value;
        Assert.True(frame.Rsv1);
        Assert.Equal(RawFrame.OpText, frame.Opcode);
        Assert.True(frame.Payload.Length < large.Length / 4, $"compressed to {frame.Payload.Length} bytes");
        Assert.Equal("4" + large, Encoding.UTF8.GetString(Inflate(frame.Payload)));

        // Exactly at the threshold (the encoded packet, type digit included) is compressed; one byte less is not.
        session.Socket.Send(new string('t', 99));
        Assert.True((await raw.ReadFrameAsync())!.Value.Rsv1);
        session.Socket.Send(new string('s', 98));
        var small = (await raw.ReadFrameAsync())!.Value;
        Assert.False(small.Rsv1);
        Assert.Equal("4" + new string('s', 98), small.Text);

        session.Socket.Send(EnginePacket.TextMessage(large), compress: false);
        var uncompressed = (await raw.ReadFrameAsync())!.Value;
        Assert.False(uncompressed.Rsv1);
        Assert.Equal("4" + large, uncompressed.Text);

        var binary = new byte[70_000];
        binary.AsSpan(1000, 10).Fill(7);
        session.Socket.Send(binary);
        var binaryFrame = (await raw.ReadFrameAsync())!.Value;
        Assert.True(binaryFrame.Rsv1);
        Assert.Equal(RawFrame.OpBinary, binaryFrame.Opcode);
        Assert.Equal(binary, Inflate(binaryFrame.Payload));

        // Each message stands alone (server_no_context_takeover): the same text compresses to the same bytes.
        session.Socket.Send(large);
        Assert.Equal(frame.Payload, (await raw.ReadFrameAsync())!.Value.Payload);
        // Those four, and the open packet (over 100 bytes).
        Assert.Equal(5, session.Socket.PerMessageDeflate!.MessagesDeflated);
    }

    [Fact]
    public async Task A_shared_packet_is_compressed_once_for_every_recipient()
    {
        await using var server = await StartAsync();
        var sessions = new List<(RawConnection Raw, ServerSession Session)>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var (raw, _, session) = await OpenRawAsync(server, Offer);
                sessions.Add((raw, session));
            }

            var packet = EnginePacket.TextMessage(string.Concat(Enumerable.Repeat("broadcast ", 500)));
            foreach (var (_, session) in sessions)
            {
                session.Socket.Send(packet);
            }

            var payloads = new List<byte[]>();
            foreach (var (raw, _) in sessions)
            {
                var frame = (await raw.ReadFrameAsync())!.Value;
                Assert.True(frame.Rsv1);
                payloads.Add(frame.Payload);
            }

            Assert.All(payloads, p => Assert.Equal(payloads[0], p));
            Assert.Equal(packet.Encoded.ToArray(), Inflate(payloads[0]));
            // The compressed form is kept with the packet: asking again gives the very same array.
            var level = new EnginePerMessageDeflateOptions().CompressionLevel;
            Assert.True(MemoryMarshal.TryGetArray(packet.GetDeflated(level), out var first));
            Assert.True(MemoryMarshal.TryGetArray(packet.GetDeflated(level), out var second));
            Assert.Same(first.Array, second.Array);
        }
        finally
        {
            foreach (var (raw, _) in sessions)
            {
                await raw.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_message_inflating_past_MaxHttpBufferSize_closes_that_connection_with_1009()
    {
        await using var server = await StartAsync(o => o.MaxHttpBufferSize = 10_000);
        var (other, _, otherSession) = await OpenRawAsync(server, Offer);
        await using var _o = other;
        var (raw, _, session) = await OpenRawAsync(server, Offer);
        await using var _r = raw;

        // 200 KB of zeros deflate to a few hundred bytes: well under the limit on the wire.
        using var deflater = new ClientDeflater(keepContext: true);
        var bomb = deflater.Compress(new byte[200_000]);
        Assert.True(bomb.Length < 1000);
        await raw.SendFrameAsync(RawFrame.OpBinary, bomb, rsv: RsvCompressed);

        var (close, _) = await raw.ReadUntilCloseAsync();
        Assert.NotNull(close);
        Assert.Equal(1009, close.Value.CloseStatus);
        Assert.Equal(EngineCloseReason.TransportError, await session.ClosedReasonAsync());
        Assert.False(session.TryReceive(out _));

        // Exactly at the limit is fine, on the connection that is still open.
        using var otherDeflater = new ClientDeflater(keepContext: true);
        await other.SendFrameAsync(RawFrame.OpBinary, otherDeflater.Compress(new byte[10_000]), rsv: RsvCompressed);
        Assert.Equal(10_000, (await otherSession.ReceiveAsync()).Data.Length);
    }

    [Theory]
    [InlineData("not negotiated")]
    [InlineData("on a continuation frame")]
    [InlineData("on a control frame")]
    public async Task Rsv1_where_it_may_not_be_closes_with_1002(string where)
    {
        await using var server = await StartAsync();
        var (raw, _, session) = await OpenRawAsync(server, where == "not negotiated" ? null : Offer);
        await using var _r = raw;
        using var deflater = new ClientDeflater(keepContext: true);
        var compressed = deflater.Compress(Encoding.UTF8.GetBytes("4hello"));
        switch (where)
        {
            case "not negotiated":
                await raw.SendFrameAsync(RawFrame.OpText, compressed, rsv: RsvCompressed);
                break;
            case "on a continuation frame":
                await raw.SendFrameAsync(RawFrame.OpText, compressed[..2], fin: false, rsv: RsvCompressed);
                await raw.SendFrameAsync(RawFrame.OpContinuation, compressed[2..], rsv: RsvCompressed);
                break;
            case "on a control frame":
                await raw.SendFrameAsync(RawFrame.OpPing, [1, 2], rsv: RsvCompressed);
                break;
        }

        var (close, _) = await raw.ReadUntilCloseAsync();
        Assert.NotNull(close);
        Assert.Equal(1002, close.Value.CloseStatus);
        Assert.Equal(EngineCloseReason.TransportError, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task Invalid_compressed_data_closes_with_1007()
    {
        await using var server = await StartAsync();
        var (raw, _, session) = await OpenRawAsync(server, Offer);
        await using var _r = raw;

        // BTYPE 11 is reserved: no inflater accepts it.
        await raw.SendFrameAsync(RawFrame.OpText, [0xff, 0xff, 0xff, 0xff], rsv: RsvCompressed);

        var (close, _) = await raw.ReadUntilCloseAsync();
        Assert.NotNull(close);
        Assert.Equal(1007, close.Value.CloseStatus);
        Assert.Equal(EngineCloseReason.TransportError, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task Dotnet_ClientWebSocket_with_compression_exchanges_messages_both_ways()
    {
        await using var server = await StartAsync(configure: null);
        using var socket = new ClientWebSocket();
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        socket.Options.CollectHttpResponseDetails = true;
        using var cts = new CancellationTokenSource(Wait.Default);
        await socket.ConnectAsync(server.WebSocketUrl(), cts.Token);
        Assert.StartsWith(Answer, Assert.Single(socket.HttpResponseHeaders!["Sec-WebSocket-Extensions"]));
        var buffer = new byte[256 * 1024];

        async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync()
        {
            var count = 0;
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(count), cts.Token);
                count += result.Count;
                if (result.EndOfMessage)
                {
                    return (result.MessageType, buffer[..count]);
                }
            }
        }

        var open = await ReceiveAsync();
        var sid = EngineAssert.OpenPacket(Encoding.UTF8.GetString(open.Data)).GetProperty("sid").GetString()!;
        var session = server.Session(sid);
        Assert.NotNull(session.Socket.PerMessageDeflate);

        for (var i = 0; i < 3; i++)
        {
            var text = $"message {i} " + string.Concat(Enumerable.Repeat("lorem ipsum dolor ", 100 * (i + 1)));
            await socket.SendAsync(Encoding.UTF8.GetBytes("4" + text), WebSocketMessageType.Text, true, cts.Token);
            Assert.Equal(text, await session.ReceiveTextAsync());
            session.Socket.Send(text + " back");
            var echo = await ReceiveAsync();
            Assert.Equal("4" + text + " back", Encoding.UTF8.GetString(echo.Data));
        }

        var binary = Enumerable.Range(0, 100_000).Select(i => (byte)(i / 1000)).ToArray();
        await socket.SendAsync(binary, WebSocketMessageType.Binary, true, cts.Token);
        Assert.Equal(binary, (await session.ReceiveAsync()).Data.ToArray());
        session.Socket.Send(binary);
        var back = await ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, back.Type);
        Assert.Equal(binary, back.Data);
        Assert.Equal(4, session.Socket.PerMessageDeflate!.MessagesInflated);
        Assert.Equal(4, session.Socket.PerMessageDeflate.MessagesDeflated);
    }
}
