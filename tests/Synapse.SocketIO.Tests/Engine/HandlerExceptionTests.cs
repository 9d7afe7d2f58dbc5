using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>Exceptions thrown by application handlers are logged and contained: the session carries on.</summary>
public sealed class HandlerExceptionTests
{
    [Fact]
    public async Task Throwing_Upgraded_Drained_and_Heartbeat_handlers_do_not_break_the_session()
    {
        await using var server = await EngineTestServer.StartAsync(
            o =>
            {
                o.PingInterval = TimeSpan.FromMilliseconds(150);
                o.PingTimeout = TimeSpan.FromMilliseconds(1000);
            },
            socket =>
            {
                socket.Upgraded += _ => throw new InvalidOperationException("upgraded handler");
                socket.Drained += _ => throw new InvalidOperationException("drained handler");
                socket.Heartbeat += _ => throw new InvalidOperationException("heartbeat handler");
                socket.Message += (_, _) => throw new InvalidOperationException("message handler");
            });
        var (sid, session) = await server.OpenPollingAsync();

        Assert.Equal("2", await server.Polling.PollAsync(sid));
        await server.Polling.SendAsync(sid, "3");
        await server.Polling.SendAsync(sid, "4message");
        Assert.Equal("message", await session.ReceiveTextAsync());

        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        await ws.SendTextAsync("5");
        await session.Upgraded.WithTimeout();

        session.Socket.Send("after upgrade");
        var frame = await ws.ReceiveTextAsync();
        while (frame == "2")
        {
            await ws.SendTextAsync("3");
            frame = await ws.ReceiveTextAsync();
        }

        Assert.Equal("4after upgrade", frame);
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
        var logged = server.Host.Logs.Entries.Select(e => e.Exception?.Message).ToHashSet();
        Assert.Contains("upgraded handler", logged);
        Assert.Contains("drained handler", logged);
        Assert.Contains("heartbeat handler", logged);
        Assert.Contains("message handler", logged);
    }
}
