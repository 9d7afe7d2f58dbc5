using System.Net;
using System.Net.WebSockets;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>Closing a session: the client's close packet, the server's Close() flushing what is queued, and what comes after.</summary>
public sealed class CloseTests
{
    [Fact]
    public async Task Polling_close_packet_closes_with_transport_close()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        var pending = server.Polling.PollAsync(sid);
        await server.WaitForInFlightAsync("GET", sid);
        await server.Polling.SendAsync(sid, "1");

        Assert.Equal(EngineCloseReason.TransportClose, await session.ClosedReasonAsync());
        // The parked GET is released (with a noop: the client asked, it needs no close packet).
        Assert.Equal("6", await pending.WithTimeout());
        await EngineAssert.ErrorAsync(await server.Polling.GetAsync(sid), EngineAssert.SessionIdUnknown);
        await EngineAssert.ErrorAsync(await server.Polling.PostAsync(sid, "4x"), EngineAssert.SessionIdUnknown);
        Assert.Equal(0, server.Engine.ClientsCount);
    }

    [Fact]
    public async Task Packets_after_the_close_packet_in_a_payload_are_ignored()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await server.Polling.SendAsync(sid, EnginePayload.Join("4before", "1", "4after"));
        Assert.Equal("before", await session.ReceiveTextAsync());
        Assert.Equal(EngineCloseReason.TransportClose, await session.ClosedReasonAsync());
        Assert.False(session.TryReceive(out _));
    }

    [Fact]
    public async Task WebSocket_close_packet_closes_with_transport_close()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        await client.SendTextAsync("1");
        Assert.Equal(EngineCloseReason.TransportClose, await session.ClosedReasonAsync());
        var (close, _) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
    }

    [Fact]
    public async Task Server_close_on_polling_flushes_queued_packets_then_the_close_packet()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        session.Socket.Send("a");
        session.Socket.Send("b");
        session.Socket.Close();
        session.Socket.Send("dropped: sent after Close()");
        Assert.Equal(EngineReadyState.Closing, session.Socket.ReadyState);
        Assert.False(session.Closed.IsCompleted, "the session waits for a GET to deliver the close packet");

        using var response = await server.Polling.GetAsync(sid);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("4a\u001e4b\u001e1", await response.Content.ReadAsStringAsync());

        Assert.Equal(EngineCloseReason.ForcedClose, await session.ClosedReasonAsync());
        Assert.Equal(EngineReadyState.Closed, session.Socket.ReadyState);
        await EngineAssert.ErrorAsync(await server.Polling.GetAsync(sid), EngineAssert.SessionIdUnknown);
    }

    [Fact]
    public async Task Server_close_releases_a_pending_get_with_the_close_packet()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        var pending = server.Polling.PollAsync(sid);
        await server.WaitForInFlightAsync("GET", sid);
        session.Socket.Close();

        Assert.Equal("1", await pending.WithTimeout());
        Assert.Equal(EngineCloseReason.ForcedClose, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task Server_close_on_polling_without_a_get_closes_after_the_polling_close_timeout()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.PollingCloseTimeout = TimeSpan.FromMilliseconds(200));
        var (_, session) = await server.OpenPollingAsync();

        session.Socket.Close();
        Assert.False(await session.Closed.CompletesWithin(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(EngineCloseReason.ForcedClose, await session.ClosedReasonAsync(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Server_close_on_websocket_sends_queued_frames_then_the_close_frame()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        session.Socket.Send("a");
        session.Socket.Send(new byte[] { 1 });
        session.Socket.Send("b");
        session.Socket.Close();
        session.Socket.Send("dropped");

        var (close, before) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(["text '4a'", "binary [01]", "text '4b'"], before.Select(m => m.ToString()).ToArray());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
        Assert.Equal(EngineCloseReason.ForcedClose, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task Close_is_idempotent_and_Closed_is_raised_once()
    {
        var closedCount = 0;
        await using var server = await EngineTestServer.StartAsync(onConnection: s => s.Closed += (_, _, _) => Interlocked.Increment(ref closedCount));
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        session.Socket.Close();
        session.Socket.Close();
        await session.Closed.WithTimeout();
        session.Socket.Close();
        await client.ReceiveUntilCloseAsync();
        await Task.Delay(50);
        Assert.Equal(1, Volatile.Read(ref closedCount));
    }

    [Fact]
    public async Task Closed_handler_exception_is_contained()
    {
        await using var server = await EngineTestServer.StartAsync(onConnection: s => s.Closed += (_, _, _) => throw new InvalidOperationException("close handler"));
        var (sid, session) = await server.OpenPollingAsync();
        await server.Polling.SendAsync(sid, "1");
        Assert.Equal(EngineCloseReason.TransportClose, await session.ClosedReasonAsync());

        // The server is unaffected.
        var (sid2, session2) = await server.OpenPollingAsync();
        session2.Socket.Send("ok");
        Assert.Equal("4ok", await server.Polling.PollAsync(sid2));
    }
}
