using System.Net;
using System.Net.WebSockets;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>Upgrading a long-polling session to WebSocket: probe, noop release, upgrade packet, and what is refused afterwards.</summary>
public sealed class UpgradeTests
{
    [Fact]
    public async Task Probe_releases_the_pending_get_with_noop_and_upgrade_switches_transport()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        var pendingGet = server.Polling.PollAsync(sid);
        await server.WaitForInFlightAsync("GET", sid);
        Assert.False(pendingGet.IsCompleted);

        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        Assert.Equal("6", await pendingGet.WithTimeout());
        Assert.Equal("polling", session.Socket.Transport);

        await ws.SendTextAsync("5");
        await session.Upgraded.WithTimeout();
        Assert.Equal("websocket", session.Socket.Transport);
        Assert.True(session.Socket.IsUpgraded);

        // Traffic now flows over the WebSocket.
        session.Socket.Send("over ws");
        Assert.Equal("4over ws", await ws.ReceiveTextAsync());
        await ws.SendTextAsync("4from client");
        Assert.Equal("from client", await session.ReceiveTextAsync());

        // Long-polling requests on the upgraded session are refused.
        await EngineAssert.ErrorAsync(await server.Polling.GetAsync(sid), EngineAssert.BadRequest);
        await EngineAssert.ErrorAsync(await server.Polling.PostAsync(sid, "4x"), EngineAssert.BadRequest);
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
    }

    [Fact]
    public async Task Get_after_the_probe_is_answered_with_noop_at_once()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        Assert.Equal("6", await server.Polling.PollAsync(sid));

        await ws.SendTextAsync("5");
        await session.Upgraded.WithTimeout();
    }

    [Fact]
    public async Task Packets_queued_during_the_upgrade_arrive_on_the_websocket()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        Assert.Equal("6", await server.Polling.PollAsync(sid));

        session.Socket.Send("queued 1");
        session.Socket.Send(new byte[] { 7, 7 });
        await ws.SendTextAsync("5");

        Assert.Equal("4queued 1", await ws.ReceiveTextAsync());
        var binary = await ws.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, binary.Type);
        Assert.Equal(new byte[] { 7, 7 }, binary.Data);
    }

    [Fact]
    public async Task Second_websocket_for_an_upgraded_session_is_closed_and_the_first_keeps_working()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        await ws.SendTextAsync("5");
        await session.Upgraded.WithTimeout();

        await using var second = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        var (close, before) = await second.ReceiveUntilCloseAsync();
        Assert.Empty(before);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);

        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
        session.Socket.Send("still first");
        Assert.Equal("4still first", await ws.ReceiveTextAsync());
    }

    [Fact]
    public async Task Second_websocket_while_probing_is_closed()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());

        await using var second = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        var (close, _) = await second.ReceiveUntilCloseAsync();
        Assert.True(close.IsClose);

        await ws.SendTextAsync("5");
        await session.Upgraded.WithTimeout();
    }

    [Fact]
    public async Task Websocket_with_the_sid_of_a_websocket_session_is_closed()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, sid, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        await using var second = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        var (close, before) = await second.ReceiveUntilCloseAsync();
        Assert.Empty(before);
        Assert.True(close.IsClose);

        session.Socket.Send("first");
        Assert.Equal("4first", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task Wrong_packet_during_probe_drops_the_probe_and_keeps_polling()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("4not a probe");
        var (close, _) = await ws.ReceiveUntilCloseAsync();
        Assert.True(close.IsClose);

        Assert.Equal("polling", session.Socket.Transport);
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
        session.Socket.Send("still polling");
        Assert.Equal("4still polling", await server.Polling.PollAsync(sid));

        // And a fresh upgrade still works.
        await using var retry = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await retry.SendTextAsync("2probe");
        Assert.Equal("3probe", await retry.ReceiveTextAsync());
        await retry.SendTextAsync("5");
        await session.Upgraded.WithTimeout();
    }

    [Fact]
    public async Task Probe_that_never_completes_is_dropped_after_the_upgrade_timeout()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.UpgradeTimeout = TimeSpan.FromMilliseconds(200));
        var (sid, session) = await server.OpenPollingAsync();

        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        var (close, _) = await ws.ReceiveUntilCloseAsync(TimeSpan.FromSeconds(3));
        Assert.True(close.IsClose);

        Assert.Equal("polling", session.Socket.Transport);
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
        session.Socket.Send("polling again");
        // The first GET after the aborted probe may still see the noop; the message follows.
        var body = await server.Polling.PollAsync(sid);
        if (body == "6")
        {
            body = await server.Polling.PollAsync(sid);
        }

        Assert.Equal("4polling again", body);
    }

    [Fact]
    public async Task Upgrade_is_refused_when_AllowUpgrades_is_false()
    {
        await using var server = await EngineTestServer.StartAsync(o => o.AllowUpgrades = false);
        var (sid, open) = await server.Polling.HandshakeAsync();
        Assert.Equal(0, open.GetProperty("upgrades").GetArrayLength());

        await using var raw = await RawConnection.ConnectAsync(server.BaseUri);
        var response = await raw.UpgradeAsync(EngineTestServer.PathAndQuery(sid));
        EngineAssert.Error(response, EngineAssert.BadRequest);
        Assert.Equal("polling", server.Session(sid).Socket.Transport);

        // WebSocket-only sessions remain possible.
        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl());
        EngineAssert.OpenPacket(await ws.ReceiveTextAsync());
    }

    [Fact]
    public async Task Upgraded_session_closes_with_the_websocket()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        await ws.SendTextAsync("5");
        await session.Upgraded.WithTimeout();

        await ws.DisposeAsync();
        Assert.Equal(EngineCloseReason.TransportClose, await session.ClosedReasonAsync());
        using var response = await server.Polling.GetAsync(sid);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Upgrade_packet_without_probe_also_completes_and_releases_the_pending_get()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var pendingGet = server.Polling.PollAsync(sid);
        await server.WaitForInFlightAsync("GET", sid);

        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("5");
        await session.Upgraded.WithTimeout();
        Assert.Equal("6", await pendingGet.WithTimeout());
        Assert.Equal("websocket", session.Socket.Transport);
    }

    [Fact]
    public async Task Close_during_the_upgrade_is_completed_over_the_websocket()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        Assert.Equal("6", await server.Polling.PollAsync(sid));

        // The client has paused polling: no GET will come for the close packet.
        session.Socket.Send("before close");
        session.Socket.Close();
        Assert.False(session.Closed.IsCompleted);
        await ws.SendTextAsync("5");

        var (close, before) = await ws.ReceiveUntilCloseAsync();
        // The polling close packet is not carried over: the WebSocket close frame replaces it.
        Assert.Equal(["text '4before close'"], before.Select(m => m.ToString()).ToArray());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
        Assert.Equal(EngineCloseReason.ForcedClose, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task Client_disconnect_during_the_probe_leaves_the_session_on_polling()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        await ws.DisposeAsync();

        session.Socket.Send("still polling");
        var body = await server.Polling.PollAsync(sid);
        if (body == "6")
        {
            body = await server.Polling.PollAsync(sid);
        }

        Assert.Equal("4still polling", body);
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
        Assert.False(session.Closed.IsCompleted);
    }
}
