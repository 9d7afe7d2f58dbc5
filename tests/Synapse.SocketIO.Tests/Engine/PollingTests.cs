using System.Net;
using System.Text;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>The long-polling transport: GET/POST, payload encoding, batching, overlap rules, aborted polls.</summary>
public sealed class PollingTests
{
    [Fact]
    public async Task Post_answers_ok_and_delivers_the_message()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        using var response = await server.Polling.PostAsync(sid, "4hello");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/html", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(2, response.Content.Headers.ContentLength);

        var message = await session.ReceiveAsync();
        Assert.False(message.IsBinary);
        Assert.Equal("hello", message.Text);
    }

    [Fact]
    public async Task Get_returns_a_queued_message()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        session.Socket.Send("hello");
        using var response = await server.Polling.GetAsync(sid);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=UTF-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("4hello", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pending_get_is_answered_when_a_message_is_sent()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        var poll = server.Polling.PollAsync(sid);
        Assert.False(await poll.CompletesWithin(TimeSpan.FromMilliseconds(100)), "the GET must wait while nothing is queued");
        session.Socket.Send("late");
        Assert.Equal("4late", await poll.WithTimeout());
    }

    [Fact]
    public async Task Everything_queued_is_flushed_in_one_get()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        session.Socket.Send("a");
        session.Socket.Send("b");
        session.Socket.Send(new byte[] { 1, 2, 3, 4 });
        session.Socket.Send("c");

        Assert.Equal("4a\u001e4b\u001ebAQIDBA==\u001e4c", await server.Polling.PollAsync(sid));
        // The queue is empty now: the next GET waits.
        Assert.False(await server.Polling.PollAsync(sid, TimeSpan.FromSeconds(2)).CompletesWithin(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task Binary_is_sent_as_b_plus_base64()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        session.Socket.Send(new byte[] { 1, 2, 3, 4 });
        Assert.Equal("bAQIDBA==", await server.Polling.PollAsync(sid));

        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        session.Socket.Send(all);
        Assert.Equal("b" + Convert.ToBase64String(all), await server.Polling.PollAsync(sid));
    }

    [Fact]
    public async Task Record_separated_payload_delivers_every_packet_in_order()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await server.Polling.SendAsync(sid, EnginePayload.Join("4first", "bAQIDBA==", "4", "4third €", EnginePayload.Binary([255, 0, 128])));

        Assert.Equal("first", await session.ReceiveTextAsync());
        var binary = await session.ReceiveAsync();
        Assert.True(binary.IsBinary);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, binary.Data.ToArray());
        Assert.Equal("", await session.ReceiveTextAsync());
        Assert.Equal("third €", await session.ReceiveTextAsync());
        var last = await session.ReceiveAsync();
        Assert.True(last.IsBinary);
        Assert.Equal(new byte[] { 255, 0, 128 }, last.Data.ToArray());
    }

    [Fact]
    public async Task Utf8_text_survives_both_ways()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        const string text = "héllo € 日本 🎉";

        await server.Polling.SendAsync(sid, "4" + text);
        Assert.Equal(text, await session.ReceiveTextAsync());

        session.Socket.Send(text);
        using var response = await server.Polling.GetAsync(sid);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetBytes("4" + text), bytes);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Second_concurrent_get_is_refused_and_closes_the_session()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        var first = server.Polling.GetAsync(sid);
        await server.WaitForInFlightAsync("GET", sid);
        Assert.False(first.IsCompleted);

        using var second = await server.CreatePollingClient().GetAsync(sid);
        await EngineAssert.ErrorAsync(second, EngineAssert.BadRequest);

        var close = await session.Closed.WithTimeout();
        Assert.Equal(EngineCloseReason.TransportError, close.Reason);
        // The parked GET is released with a close packet.
        using (var released = await first.WithTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, released.StatusCode);
            Assert.Equal("1", await released.Content.ReadAsStringAsync());
        }

        await EngineAssert.ErrorAsync(await server.Polling.GetAsync(sid), EngineAssert.SessionIdUnknown);
        Assert.Equal(0, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task Second_concurrent_post_is_refused_and_closes_the_session()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        // A POST whose body never finishes arriving keeps the first data request open.
        await using var slow = await RawConnection.ConnectAsync(server.BaseUri);
        await slow.SendRequestAsync("POST", EngineTestServer.PathAndQuery(sid, "polling"), [new("Content-Type", "text/plain;charset=UTF-8"), new("Content-Length", "100")], "4partial");
        await server.WaitForInFlightAsync("POST", sid);

        using var second = await server.Polling.PostAsync(sid, "4second");
        await EngineAssert.ErrorAsync(second, EngineAssert.BadRequest);
        Assert.Equal(EngineCloseReason.TransportError, await session.ClosedReasonAsync());
        Assert.False(session.TryReceive(out _));
    }

    [Fact]
    public async Task Aborted_get_closes_the_session_with_transport_error()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        var raw = await RawConnection.ConnectAsync(server.BaseUri);
        await raw.SendRequestAsync("GET", EngineTestServer.PathAndQuery(sid, "polling"));
        await server.WaitForInFlightAsync("GET", sid);
        Assert.False(session.Closed.IsCompleted);
        raw.Abort();

        Assert.Equal(EngineCloseReason.TransportError, await session.ClosedReasonAsync());
        Assert.Equal(0, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task Get_cancelled_by_the_client_also_closes_the_session()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        using var cts = new CancellationTokenSource();
        var poll = server.Polling.GetAsync(sid, cts.Token);
        await server.WaitForInFlightAsync("GET", sid);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);

        Assert.Equal(EngineCloseReason.TransportError, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task Unsupported_method_on_a_session_is_a_bad_request()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        using var request = new HttpRequestMessage(HttpMethod.Put, server.Polling.Url(sid)) { Content = new StringContent("4x") };
        await EngineAssert.ErrorAsync(await server.Polling.Http.SendAsync(request), EngineAssert.BadRequest);
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
    }

    [Fact]
    public async Task Polling_request_naming_another_transport_is_a_bad_request()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, _) = await server.OpenPollingAsync();

        // A plain GET that claims to be a websocket request on a polling session.
        await EngineAssert.ErrorAsync(await server.Polling.Http.GetAsync(server.Polling.Url(sid, transport: "websocket")), EngineAssert.BadRequest);
    }

    [Fact]
    public async Task Drained_is_raised_once_a_batch_is_written()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var before = session.DrainedCount;

        session.Socket.Send("x");
        Assert.Equal("4x", await server.Polling.PollAsync(sid));
        await Wait.UntilAsync(() => session.DrainedCount > before);
    }

    [Fact]
    public async Task Message_handler_exception_does_not_kill_the_session()
    {
        var calls = 0;
        await using var server = await EngineTestServer.StartAsync(onConnection: socket => socket.Message += (_, m) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("handler failure");
            }
        });
        var (sid, session) = await server.OpenPollingAsync();

        await server.Polling.SendAsync(sid, "4one");
        await server.Polling.SendAsync(sid, "4two");
        Assert.Equal("one", await session.ReceiveTextAsync());
        Assert.Equal("two", await session.ReceiveTextAsync());
        Assert.Equal(2, Volatile.Read(ref calls));
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
        session.Socket.Send("alive");
        Assert.Equal("4alive", await server.Polling.PollAsync(sid));
        Assert.Contains(server.Host.Logs.Entries, e => e.Exception is InvalidOperationException { Message: "handler failure" });
    }
}
