using System.Net.WebSockets;
using System.Text;
using Synapse.SocketIO.Engine;
using Synapse.SocketIO.Tests.Infrastructure;

namespace Synapse.SocketIO.Tests.Engine;

/// <summary>Send from many threads at once: nothing lost, nothing reordered within one thread, on every transport and across an upgrade.</summary>
public sealed class ConcurrencyTests
{
    private const int Threads = 8;
    private const int PerThread = 300;

    /// <summary>Starts <see cref="Threads"/> dedicated threads that each send <c>t:i</c> for i in 0..PerThread, released together.</summary>
    private static Task SendFromManyThreads(EngineSocket socket, int threads = Threads, int perThread = PerThread, bool binaryToo = false)
    {
        var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.Wait();
                for (var i = 0; i < perThread; i++)
                {
                    if (binaryToo && i % 3 == 0)
                    {
                        socket.Send(Encoding.UTF8.GetBytes($"{t}:{i}"));
                    }
                    else
                    {
                        socket.Send($"{t}:{i}");
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        start.Set();
        return Task.WhenAll(tasks);
    }

    /// <summary>Checks that every thread's sequence arrived complete and in order.</summary>
    private sealed class Tracker(int threads, int perThread)
    {
        private readonly int[] _next = new int[threads];

        public int Received { get; private set; }

        public bool Complete => Received == threads * perThread;

        public void Add(string message)
        {
            var colon = message.IndexOf(':');
            var thread = int.Parse(message.AsSpan(0, colon), System.Globalization.CultureInfo.InvariantCulture);
            var index = int.Parse(message.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(index == _next[thread], $"thread {thread}: expected #{_next[thread]}, got #{index}");
            _next[thread]++;
            Received++;
        }

        /// <summary>Adds each packet of a long-polling payload; returns false for a noop-only payload.</summary>
        public void AddPayload(string body)
        {
            foreach (var packet in EnginePayload.Split(body))
            {
                if (packet.StartsWith('4'))
                {
                    Add(packet[1..]);
                }
                else if (packet.StartsWith('b'))
                {
                    Add(Encoding.UTF8.GetString(Convert.FromBase64String(packet[1..])));
                }
                else
                {
                    Assert.True(packet == "6", $"unexpected packet '{packet}'");
                }
            }
        }

        public void AddFrame(WsMessage frame)
        {
            if (frame.Type == WebSocketMessageType.Binary)
            {
                Add(frame.Text);
            }
            else
            {
                Assert.StartsWith("4", frame.Text);
                Add(frame.Text[1..]);
            }
        }
    }

    [Fact]
    public async Task Websocket_concurrent_sends_arrive_complete_and_in_order_per_thread()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (client, _, session) = await server.OpenWebSocketAsync();
        await using var _c = client;

        var sending = SendFromManyThreads(session.Socket, binaryToo: true);
        var tracker = new Tracker(Threads, PerThread);
        while (!tracker.Complete)
        {
            tracker.AddFrame(await client.ReceiveAsync());
        }

        await sending.WithTimeout();
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
    }

    [Fact]
    public async Task Polling_concurrent_sends_arrive_complete_and_in_order_per_thread()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();

        var sending = SendFromManyThreads(session.Socket, binaryToo: true);
        var tracker = new Tracker(Threads, PerThread);
        while (!tracker.Complete)
        {
            tracker.AddPayload(await server.Polling.PollAsync(sid));
        }

        await sending.WithTimeout();
        Assert.Equal(EngineReadyState.Open, session.Socket.ReadyState);
    }

    [Fact]
    public async Task Concurrent_sends_survive_an_upgrade_without_loss_or_reordering()
    {
        await using var server = await EngineTestServer.StartAsync();
        var (sid, session) = await server.OpenPollingAsync();
        var tracker = new Tracker(Threads, PerThread);

        var sending = SendFromManyThreads(session.Socket);
        // Receive some over polling first.
        tracker.AddPayload(await server.Polling.PollAsync(sid));

        var pollingStopped = false;
        var poller = Task.Run(async () =>
        {
            while (!Volatile.Read(ref pollingStopped) && !tracker.Complete)
            {
                var body = await server.Polling.PollAsync(sid);
                lock (tracker)
                {
                    tracker.AddPayload(body);
                }

                if (body == "6")
                {
                    break;
                }
            }
        });

        await using var ws = await WsClient.ConnectAsync(server.WebSocketUrl(sid));
        await ws.SendTextAsync("2probe");
        Assert.Equal("3probe", await ws.ReceiveTextAsync());
        // As the real client does: pause polling (let the GET in flight finish), then upgrade.
        Volatile.Write(ref pollingStopped, true);
        await poller.WithTimeout();
        await ws.SendTextAsync("5");
        await session.Upgraded.WithTimeout();

        while (!tracker.Complete)
        {
            tracker.AddFrame(await ws.ReceiveAsync());
        }

        await sending.WithTimeout();
    }

    [Fact]
    public async Task Many_sessions_in_parallel_are_independent()
    {
        await using var server = await EngineTestServer.StartAsync(onConnection: s => s.Message += (socket, m) => socket.Send("echo:" + m.Text));
        var clients = Enumerable.Range(0, 20).Select(async i =>
        {
            if (i % 2 == 0)
            {
                var (client, _, _) = await server.OpenWebSocketAsync();
                await using var _c = client;
                for (var j = 0; j < 20; j++)
                {
                    await client.SendTextAsync($"4{i}-{j}");
                    Assert.Equal($"4echo:{i}-{j}", await client.ReceiveTextAsync());
                }
            }
            else
            {
                using var polling = server.CreatePollingClient();
                var (sid, _) = await polling.HandshakeAsync();
                for (var j = 0; j < 20; j++)
                {
                    await polling.SendAsync(sid, $"4{i}-{j}");
                    Assert.Equal($"4echo:{i}-{j}", await polling.PollAsync(sid));
                }
            }
        });

        await Task.WhenAll(clients).WithTimeout(TimeSpan.FromSeconds(20));
    }
}
