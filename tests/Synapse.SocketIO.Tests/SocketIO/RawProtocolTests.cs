using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// Bad input at the Socket.IO protocol level, sent by hand over WebSocket and long-polling (no
/// client library). For each case: the offending connection is closed (or answered as the protocol
/// says), another connected client keeps working, and the server logs no error.
/// </summary>
public sealed class RawProtocolTests
{
    /// <summary>A frame starting with "bin:" is a binary frame given in hex; anything else is sent as text.</summary>
    public static TheoryData<string, bool, string[]> ClosingCases => new()
    {
        // name, whether socket.io-parser rejects it (the socket's Error event is raised), frames sent after joining "/"
        { "unknown packet type", true, ["49"] },
        { "unknown packet type (letter)", true, ["4abc"] },
        { "invalid JSON payload", true, ["42[\"echo\","] },
        { "ack id with inner whitespace", true, ["421 2[\"echo\"]"] },
        { "ack id beyond 64 bits", true, ["4299999999999999999999[\"echo\"]"] },
        { "EVENT with an object payload", true, ["42{\"echo\":1}"] },
        { "EVENT with a string payload", true, ["42\"echo\""] },
        { "EVENT with an empty array", true, ["42[]"] },
        { "EVENT without payload", true, ["42"] },
        { "EVENT whose name is an object", true, ["42[{\"a\":1}]"] },
        { "reserved event connect", true, ["42[\"connect\"]"] },
        { "reserved event disconnect", true, ["42[\"disconnect\",\"x\"]"] },
        { "reserved event disconnecting", true, ["42[\"disconnecting\"]"] },
        { "reserved event newListener", true, ["42[\"newListener\"]"] },
        { "reserved event in a BINARY_EVENT", true, ["451-[\"connect\",{\"_placeholder\":true,\"num\":0}]", "bin:01"] },
        { "ACK without payload", true, ["431"] },
        { "too many attachments", true, ["4511-[\"echo\"," + string.Join(",", Enumerable.Range(0, 11).Select(i => $"{{\"_placeholder\":true,\"num\":{i}}}")) + "]"] },
        { "placeholder out of range", true, ["451-[\"echo\",{\"_placeholder\":true,\"num\":3}]"] },
        { "binary when no attachment is expected", true, ["bin:010203"] },
        { "text while attachments are pending", true, ["451-[\"echo\",{\"_placeholder\":true,\"num\":0}]", "42[\"echo\",\"x\"]"] },
        { "JSON nested deeper than the limit", true, ["42[\"echo\"," + new string('[', 70) + new string(']', 70) + "]"] },
        { "a second CONNECT to the same namespace", false, ["40"] },
        { "CONNECT_ERROR sent by a client", false, ["44{\"message\":\"x\"}"] },
        { "EVENT for a namespace not joined", false, ["42/custom,[\"echo\",1]"] },
        { "DISCONNECT for a namespace not joined", false, ["41/custom,"] },
    };

    public static TheoryData<string, string> ClosingBeforeConnectCases => new()
    {
        { "invalid handshake", "4abc" },
        { "CONNECT payload is a string", "40\"token\"" },
        { "CONNECT payload is an array", "40[1,2]" },
        { "CONNECT payload is null", "40null" },
        { "CONNECT payload is true", "40/custom,true" },
        { "CONNECT payload is a number", "40/custom,-1" },
        { "CONNECT payload is invalid JSON", "40{\"token\":" },
        { "EVENT before any CONNECT", "42[\"echo\",1]" },
        { "DISCONNECT before any CONNECT", "41" },
    };

    private static Task<SioTestServer> StartAsync(ConcurrentQueue<Exception>? errors = null, Action<SocketIOOptions>? configure = null) =>
        SioTestServer.StartAsync(
            io =>
            {
                io.OnConnection(socket =>
                {
                    socket.Error += (_, error) => errors?.Enqueue(error);
                    socket.On("echo", (SocketIOArguments args) => socket.Emit("echo", args.ToObjects()));
                });
                io.Of("/custom").OnConnection(socket => socket.On("echo", (SocketIOArguments args) => socket.Emit("echo", args.ToObjects())));
            },
            o =>
            {
                // No pings during these short tests (RawSioClient answers them anyway).
                o.PingInterval = TimeSpan.FromSeconds(20);
                o.PingTimeout = TimeSpan.FromSeconds(20);
                configure?.Invoke(o);
            });

    private static async Task SendFramesAsync(RawSioClient client, IEnumerable<string> frames)
    {
        foreach (var frame in frames)
        {
            if (frame.StartsWith("bin:", StringComparison.Ordinal))
            {
                await client.SendBinaryAsync(Convert.FromHexString(frame[4..]));
            }
            else
            {
                await client.SendAsync(frame);
            }
        }
    }

    private static void AssertServerFine(SioTestServer server, int connections)
    {
        Assert.Empty(server.Errors);
        Assert.Equal(connections, server.Io.EngineConnectionsCount);
    }

    [Theory]
    [MemberData(nameof(ClosingCases))]
    public async Task Invalid_packet_after_connect_closes_only_the_offending_connection(string name, bool parserRejects, string[] frames)
    {
        var errors = new ConcurrentQueue<Exception>();
        await using var server = await StartAsync(errors);
        var (healthy, _) = await RawSioClient.ConnectAsync(server);
        await using var _h = healthy;
        var (offender, offenderId) = await RawSioClient.ConnectAsync(server);
        await using var _o = offender;
        await offender.AssertEchoesAsync("before");
        var offenderSocket = await server.SocketAsync(offenderId);

        await SendFramesAsync(offender, frames);
        var before = await offender.ExpectClosedAsync();

        Assert.True(before.Count == 0, $"{name}: the server answered {string.Join(" | ", before)} before closing");
        // As in Node: a packet socket.io-parser rejects closes the engine connection ("forced close");
        // a valid packet in the wrong state is Client.close() ("forced server close").
        Assert.Equal(parserRejects ? DisconnectReason.ForcedClose : DisconnectReason.ForcedServerClose, await server.DisconnectReasonAsync(offenderId));
        Assert.False(offenderSocket.Connected);
        if (parserRejects)
        {
            var error = await Wait.WithTimeout(Task.Run(async () =>
            {
                while (errors.IsEmpty)
                {
                    await Task.Delay(5);
                }

                return errors.First();
            }), what: $"{name}: Error event");
            Assert.IsType<InvalidDataException>(error);
        }
        else
        {
            Assert.Empty(errors);
        }

        await healthy.AssertEchoesAsync("after " + name);
        AssertServerFine(server, 1);
    }

    [Theory]
    [MemberData(nameof(ClosingBeforeConnectCases))]
    public async Task Invalid_packet_before_connect_closes_the_connection(string name, string frame)
    {
        await using var server = await StartAsync();
        var (healthy, _) = await RawSioClient.ConnectAsync(server);
        await using var _h = healthy;
        await using var offender = await RawSioClient.OpenAsync(server);

        await offender.SendAsync(frame);
        var before = await offender.ExpectClosedAsync();

        Assert.True(before.Count == 0, $"{name}: the server answered {string.Join(" | ", before)} before closing");
        Assert.Single(server.Sockets);
        await healthy.AssertEchoesAsync("after " + name);
        AssertServerFine(server, 1);
    }

    [Fact]
    public async Task Unknown_namespace_is_answered_with_connect_error_and_the_connection_stays_open()
    {
        await using var server = await StartAsync();
        await using var client = await RawSioClient.OpenAsync(server);

        await client.SendAsync("40/nope,");
        Assert.Equal("44/nope,{\"message\":\"Invalid namespace\"}", await client.ReceiveAsync());
        await client.SendAsync("40/nope,{\"token\":1}");
        Assert.Equal("44/nope,{\"message\":\"Invalid namespace\"}", await client.ReceiveAsync());

        // Same connection, valid namespaces afterwards.
        await client.JoinAsync("/custom");
        await client.JoinAsync("/");
        await client.AssertEchoesAsync("main");
        await client.AssertEchoesAsync("custom", "/custom");
        AssertServerFine(server, 1);
    }

    [Fact]
    public async Task Middleware_refusal_is_a_CONNECT_ERROR_packet_with_message_and_data()
    {
        await using var server = await SioTestServer.StartAsync(io =>
        {
            io.Of("/data").Use((_, _) => throw new SocketIOConnectException("nope", new { code = 7, tags = new[] { "a" } }));
            io.Of("/plain").Use((_, _) => throw new InvalidOperationException("plain"));
        });
        await using var client = await RawSioClient.OpenAsync(server);

        await client.SendAsync("40/data,");
        Assert.Equal("44/data,{\"message\":\"nope\",\"data\":{\"code\":7,\"tags\":[\"a\"]}}", await client.ReceiveAsync());
        await client.SendAsync("40/plain,");
        Assert.Equal("44/plain,{\"message\":\"plain\"}", await client.ReceiveAsync());

        // A refusal leaves the connection usable. (The connection handlers, which the test server
        // counts sockets with, run after the CONNECT reply is sent, as in Node: wait for them.)
        await client.JoinAsync("/");
        await Wait.UntilAsync(() => server.Sockets.Count == 1);
        Assert.Single(server.Sockets);
    }

    [Fact]
    public async Task Invalid_Engine_IO_packet_is_a_parse_error()
    {
        await using var server = await StartAsync();
        var (healthy, _) = await RawSioClient.ConnectAsync(server);
        await using var _h = healthy;
        var (offender, id) = await RawSioClient.ConnectAsync(server);
        await using var _o = offender;

        await offender.SendAsync("9");
        await offender.ExpectClosedAsync();
        Assert.Equal(DisconnectReason.ParseError, await server.DisconnectReasonAsync(id));
        await healthy.AssertEchoesAsync("after parse error");
        AssertServerFine(server, 1);
    }

    [Fact]
    public async Task Unknown_ack_id_is_ignored()
    {
        await using var server = await StartAsync();
        var (client, _) = await RawSioClient.ConnectAsync(server);
        await using var _c = client;

        await client.SendAsync("43999[\"late answer\"]");
        await client.SendAsync("461-999[{\"_placeholder\":true,\"num\":0}]");
        await client.SendBinaryAsync([1, 2]);
        await client.AssertEchoesAsync("still connected");
        AssertServerFine(server, 1);
    }

    [Fact]
    public async Task Valid_edge_cases_are_accepted_as_socket_io_parser_does()
    {
        var received = new ConcurrentQueue<string>();
        await using var server = await SioTestServer.StartAsync(io => io.OnConnection(socket =>
        {
            socket.OnAny((name, args) => received.Enqueue($"{name} {args}"));
            socket.On("echo", (SocketIOArguments args) => socket.Emit("echo", args.ToObjects()));
        }));
        var (client, _) = await RawSioClient.ConnectAsync(server);
        await using var _c = client;

        await client.SendAsync("42[1,\"numeric event name\"]");
        // An event nobody handles is not acknowledged (as in Node): the next answer is the echo.
        await client.SendAsync("4212[\"with-ack\"]");
        await client.SendAsync("42[\"echo\",\"é ✓ \\u0000\"]");
        Assert.Equal("42[\"echo\",\"é ✓ \\u0000\"]", await client.ReceiveAsync());
        Assert.Contains("1 [\"numeric event name\"]", received);
        Assert.Contains("with-ack []", received);

        // An empty Socket.IO packet is a CONNECT to "/" for socket.io-parser (Number("") is 0).
        await using var bare = await RawSioClient.OpenAsync(server);
        await bare.SendAsync("4");
        Assert.StartsWith("40{\"sid\":", await bare.ReceiveAsync());
        Assert.Equal(2, server.Io.Sockets.Sockets.Count);
    }

    [Fact]
    public async Task Connection_that_joins_no_namespace_within_ConnectTimeout_is_closed()
    {
        await using var server = await StartAsync(configure: o => o.ConnectTimeout = TimeSpan.FromMilliseconds(300));
        var (healthy, _) = await RawSioClient.ConnectAsync(server);
        await using var _h = healthy;
        var started = Stopwatch.StartNew();

        await using var idle = await RawSioClient.OpenAsync(server);
        Assert.Empty(await idle.ExpectClosedAsync(TimeSpan.FromSeconds(5)));
        Assert.InRange(started.ElapsedMilliseconds, 250, 4000);

        // Refused CONNECTs do not count as joining.
        await using var refused = await RawSioClient.OpenAsync(server);
        await refused.SendAsync("40/nope,");
        Assert.Equal("44/nope,{\"message\":\"Invalid namespace\"}", await refused.ReceiveAsync());
        Assert.Empty(await refused.ExpectClosedAsync(TimeSpan.FromSeconds(5)));

        // The connection that joined in time is still there after the timeout.
        await healthy.AssertEchoesAsync("after timeout");
        AssertServerFine(server, 1);
    }

    [Fact]
    public async Task Oversized_message_closes_the_connection()
    {
        await using var server = await StartAsync(configure: o => o.MaxHttpBufferSize = 1000);
        var (healthy, _) = await RawSioClient.ConnectAsync(server);
        await using var _h = healthy;
        var (offender, id) = await RawSioClient.ConnectAsync(server);
        await using var _o = offender;

        await offender.SendAsync("42[\"echo\",\"" + new string('x', 2000) + "\"]");
        await offender.ExpectClosedAsync();
        Assert.Equal(DisconnectReason.TransportError, await server.DisconnectReasonAsync(id));
        await healthy.AssertEchoesAsync("after oversized");
        Assert.Equal(1, server.Io.EngineConnectionsCount);
    }

    [Theory]
    [InlineData("4abc")]
    [InlineData("42[]")]
    [InlineData("42[\"connect\"]")]
    [InlineData("49")]
    [InlineData("40")]
    public async Task Invalid_packet_over_long_polling_closes_the_session(string packet)
    {
        await using var server = await StartAsync();
        var (healthy, _) = await RawSioClient.ConnectAsync(server);
        await using var _h = healthy;
        var polling = server.CreatePollingClient();

        var (sid, _) = await polling.HandshakeAsync();
        await polling.SendAsync(sid, "40");
        var connect = await polling.PollAsync(sid);
        Assert.StartsWith("40{\"sid\":", connect);
        var socketId = System.Text.Json.JsonDocument.Parse(connect[2..]).RootElement.GetProperty("sid").GetString()!;

        // A GET waits while the bad packet is posted.
        using var pending = polling.GetAsync(sid);
        using (var post = await polling.PostAsync(sid, packet))
        {
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        }

        using (var response = await pending.WithTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("1", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(packet == "40" ? DisconnectReason.ForcedServerClose : DisconnectReason.ForcedClose, await server.DisconnectReasonAsync(socketId));
        using (var after = await polling.GetAsync(sid))
        {
            Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
        }

        await healthy.AssertEchoesAsync("after polling " + packet);
        AssertServerFine(server, 1);
    }

    [Fact]
    public async Task Binary_event_over_long_polling_is_reassembled()
    {
        await using var server = await StartAsync();
        var polling = server.CreatePollingClient();
        var (sid, _) = await polling.HandshakeAsync();
        await polling.SendAsync(sid, "40");
        Assert.StartsWith("40{", await polling.PollAsync(sid));

        await polling.SendAsync(sid, EnginePayload.Join("451-[\"echo\",{\"_placeholder\":true,\"num\":0}]", EnginePayload.Binary([1, 2, 3])));
        var echoed = EnginePayload.Split(await polling.PollAsync(sid));
        Assert.Equal(["451-[\"echo\",{\"_placeholder\":true,\"num\":0}]", "bAQID"], echoed);
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task Many_bad_clients_at_once_leave_the_good_ones_working()
    {
        await using var server = await StartAsync();
        var good = new List<RawSioClient>();
        for (var i = 0; i < 5; i++)
        {
            good.Add((await RawSioClient.ConnectAsync(server)).Client);
        }

        var bad = ClosingCases.Select(c => (string[])c[2]).Concat(ClosingBeforeConnectCases.Select(c => new[] { (string)c[1] })).ToArray();
        await Task.WhenAll(bad.Select(async (frames, i) =>
        {
            await using var client = await RawSioClient.OpenAsync(server);
            if (i < ClosingCases.Count)
            {
                await client.JoinAsync();
            }

            await SendFramesAsync(client, frames);
            await client.ExpectClosedAsync();
        }));

        for (var i = 0; i < good.Count; i++)
        {
            await good[i].AssertEchoesAsync("good " + i);
            await good[i].DisposeAsync();
        }

        Assert.Empty(server.Errors);
        Assert.DoesNotContain(server.Host.Logs.Entries, e => e.Level >= LogLevel.Warning && e.Category.StartsWith("Synapse", StringComparison.Ordinal));
    }
}
