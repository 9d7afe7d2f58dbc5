using System.Diagnostics;
using System.Net.WebSockets;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>The server-driven heartbeat: a ping every PingInterval, a close when no pong comes within PingTimeout.</summary>
[Collection(TimingCollection.Name)]
public sealed class HeartbeatTests
{
    private const int Interval = 200;
    private const int Timeout = 300;
    // The reference timestamps (OpenedTimestamp, LastHeartbeatTimestamp) are taken by event
    // handlers that run after the server armed its timer, late by the event's dispatch on a loaded
    // machine, and timers may fire a tick of the millisecond clock early: a measured interval can
    // look a little short without the server being early.
    private const double ClockSlackMs = 30;
    private const double LateMs = 150;

    private static Task<EngineTestServer> StartAsync() => EngineTestServer.StartAsync(o =>
    {
        o.PingInterval = TimeSpan.FromMilliseconds(Interval);
        o.PingTimeout = TimeSpan.FromMilliseconds(Timeout);
    });

    [Fact]
    public async Task Polling_ping_every_interval_and_pong_keeps_the_session_alive()
    {
        await using var server = await StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        var last = session.OpenedTimestamp;
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("2", await server.Polling.PollAsync(sid, TimeSpan.FromSeconds(2)));
            var now = Stopwatch.GetTimestamp();
            var elapsed = Wait.Milliseconds(last, now);
            Assert.InRange(elapsed, Interval - ClockSlackMs, Interval + LateMs);
            await server.Polling.SendAsync(sid, "3");
            // The next interval started when the server read the pong.
            Assert.Equal(i + 1, session.Heartbeats);
            last = session.LastHeartbeatTimestamp;
        }

        Assert.Equal(4, session.Heartbeats);
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
        Assert.False(session.Closed.IsCompleted);
    }

    [Fact]
    public async Task Polling_session_without_pong_closes_with_ping_timeout_on_time()
    {
        await using var server = await StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        Assert.Equal("2", await server.Polling.PollAsync(sid, TimeSpan.FromSeconds(2)));
        var close = await session.Closed.WithTimeout(TimeSpan.FromSeconds(3));

        Assert.Equal(EngineCloseReason.PingTimeout, close.Reason);
        Assert.InRange(Wait.Milliseconds(session.OpenedTimestamp, close.Timestamp), Interval + Timeout - ClockSlackMs, Interval + Timeout + LateMs);
        await EngineAssert.ErrorAsync(await server.Polling.GetAsync(sid), EngineAssert.SessionIdUnknown);
    }

    [Fact]
    public async Task Polling_pong_late_in_the_timeout_window_still_counts()
    {
        await using var server = await StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("2", await server.Polling.PollAsync(sid, TimeSpan.FromSeconds(2)));
            await Task.Delay(Timeout / 2);
            await server.Polling.SendAsync(sid, "3");
        }

        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
    }

    [Fact]
    public async Task WebSocket_ping_every_interval_and_pong_keeps_the_session_alive()
    {
        await using var server = await StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        var last = session.OpenedTimestamp;
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("2", await client.ReceiveTextAsync(TimeSpan.FromSeconds(2)));
            var elapsed = Wait.Milliseconds(last, Stopwatch.GetTimestamp());
            Assert.InRange(elapsed, Interval - ClockSlackMs, Interval + LateMs);
            await client.SendTextAsync("3");
            // The next interval starts when the server reads the pong.
            await Wait.UntilAsync(() => session.Heartbeats == i + 1);
            last = session.LastHeartbeatTimestamp;
        }

        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
    }

    [Fact]
    public async Task WebSocket_session_without_pong_closes_with_ping_timeout_on_time()
    {
        await using var server = await StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        Assert.Equal("2", await client.ReceiveTextAsync(TimeSpan.FromSeconds(2)));
        var (close, before) = await client.ReceiveUntilCloseAsync(TimeSpan.FromSeconds(3));
        Assert.Empty(before);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);

        var closed = await session.Closed.WithTimeout();
        Assert.Equal(EngineCloseReason.PingTimeout, closed.Reason);
        Assert.InRange(Wait.Milliseconds(session.OpenedTimestamp, closed.Timestamp), Interval + Timeout - ClockSlackMs, Interval + Timeout + LateMs);
    }

    [Fact]
    public async Task Pings_are_batched_with_pending_messages_on_polling()
    {
        await using var server = await StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        await Wait.UntilAsync(() => session.Socket.ReadyState == EngineReadyState.Open && Wait.Milliseconds(session.OpenedTimestamp, Stopwatch.GetTimestamp()) > Interval + 20);
        session.Socket.Send("after ping");
        Assert.Equal("2\u001e4after ping", await server.Polling.PollAsync(sid));
        await server.Polling.SendAsync(sid, "3");
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
    }

    [Fact]
    public async Task Ping_timeout_releases_a_pending_get_with_the_close_packet()
    {
        await using var server = await StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        Assert.Equal("2", await server.Polling.PollAsync(sid, TimeSpan.FromSeconds(2)));
        var pending = server.Polling.PollAsync(sid, TimeSpan.FromSeconds(3));
        Assert.Equal(EngineCloseReason.PingTimeout, await session.ClosedReasonAsync(TimeSpan.FromSeconds(3)));
        Assert.Equal("1", await pending.WithTimeout());
    }

    [Fact]
    public async Task Sessions_share_one_scheduler_without_disturbing_each_other_and_leave_it_when_closed()
    {
        await using var server = await StartAsync();
        var (answering, _, answeringSession) = await server.OpenWebSocketAsync();
        await using var _a = answering;
        var (silent, _, silentSession) = await server.OpenWebSocketAsync();
        await using var _s = silent;
        // Opened a little later: its deadlines come after the others' in the same lanes.
        await Task.Delay(Interval / 4);
        var (late, _, lateSession) = await server.OpenWebSocketAsync();
        await using var _l = late;

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("2", await answering.ReceiveTextAsync(TimeSpan.FromSeconds(2)));
            await answering.SendTextAsync("3");
            Assert.Equal("2", await late.ReceiveTextAsync(TimeSpan.FromSeconds(2)));
            await late.SendTextAsync("3");
        }

        // The silent one closed on time meanwhile, while the answering ones went on.
        var closed = await silentSession.Closed.WithTimeout();
        Assert.Equal(EngineCloseReason.PingTimeout, closed.Reason);
        Assert.InRange(Wait.Milliseconds(silentSession.OpenedTimestamp, closed.Timestamp), Interval + Timeout - ClockSlackMs, Interval + Timeout + LateMs);
        Assert.Equal(EngineReadyState.Open, answeringSession.Socket.ReadyState);
        Assert.Equal(EngineReadyState.Open, lateSession.Socket.ReadyState);
        // (A session leaves the scheduler for an instant when its deadline is handed to the thread pool.)
        await Wait.UntilAsync(() => server.Engine.Heartbeats.Count == 2);

        answeringSession.Socket.Close();
        lateSession.Socket.Close();
        await answeringSession.Closed.WithTimeout();
        await lateSession.Closed.WithTimeout();
        // A closed session holds no place in the scheduler (nor keeps its objects alive there).
        Assert.Equal(0, server.Engine.Heartbeats.Count);
    }
}
