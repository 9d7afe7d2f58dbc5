using System.Diagnostics;
using System.Net.WebSockets;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>Graceful shutdown: stopping the host closes every session with "server shutting down", promptly.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_the_host_closes_every_session_with_server_shutting_down()
    {
        await using var server = await EngineTestServer.StartAsync();

        var (_, idle) = await server.OpenPollingAsync();
        var (pollingSid, polling) = await server.OpenPollingAsync();
        var pendingGet = server.Polling.PollAsync(pollingSid);
        var (wsClient, _, ws) = await server.OpenWebSocketAsync();
        await using var _w = wsClient;

        var (upgradedSid, upgraded) = await server.OpenPollingAsync();
        await using var upgradedClient = await WsClient.ConnectAsync(server.WebSocketUrl(upgradedSid));
        await upgradedClient.SendTextAsync("2probe");
        Assert.Equal("3probe", await upgradedClient.ReceiveTextAsync());
        await upgradedClient.SendTextAsync("5");
        await upgraded.Upgraded.WithTimeout();
        await server.WaitForInFlightAsync("GET", pollingSid);

        var stopwatch = Stopwatch.StartNew();
        await server.Host.StopAsync().WithTimeout(TimeSpan.FromSeconds(10), "host stop");
        stopwatch.Stop();

        foreach (var session in new[] { idle, polling, ws, upgraded })
        {
            Assert.Equal(EngineCloseReason.ServerShuttingDown, await session.ClosedReasonAsync());
        }

        // The parked GET got the close packet; the WebSockets got a close frame.
        Assert.Equal("1", await pendingGet.WithTimeout());
        var (close, _) = await wsClient.ReceiveUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
        var (upgradedClose, _) = await upgradedClient.ReceiveUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, upgradedClose.CloseStatus);
        Assert.Equal(0, server.Engine.ClientsCount);
        // Nothing waited for a timeout: long polls and WebSockets did not hold the shutdown.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"stop took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Queued_packets_are_flushed_to_websocket_clients_before_the_close_frame()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        session.Socket.Send("last words");
        await server.Host.StopAsync().WithTimeout(TimeSpan.FromSeconds(10));

        var (close, before) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(["text '4last words'"], before.Select(m => m.ToString()).ToArray());
        Assert.True(close.IsClose);
        Assert.Equal(EngineCloseReason.ServerShuttingDown, await session.ClosedReasonAsync());
    }

    [Fact]
    public async Task CloseAsync_without_sessions_returns_at_once()
    {
        await using var server = await EngineTestServer.StartAsync();
        var stopwatch = Stopwatch.StartNew();
        await server.Engine.CloseAsync(TimeSpan.FromSeconds(5)).WithTimeout();
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1));
    }
}
