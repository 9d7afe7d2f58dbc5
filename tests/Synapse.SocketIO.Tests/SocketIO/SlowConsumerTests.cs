using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Synapse.SocketIO.Tests.Engine;
using Synapse.SocketIO.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Synapse.SocketIO.Tests.SocketIO;

/// <summary>
/// A client that stops reading while the server broadcasts a lot to its room: the server's memory
/// stays bounded, the client is dropped with <see cref="DisconnectReason.SendBufferFull"/>, and the
/// other clients of the room get every message on time. Runs alone (it measures the process heap).
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class SlowConsumerTests(ITestOutputHelper output)
{
    private const int MessageSize = 128 * 1024;
    private const int Messages = 1600; // 1600 × 128 KiB = 200 MiB broadcast
    private const int Window = 16; // how far the broadcaster may run ahead of the healthy clients
    private const long HeapBound = 48L * 1024 * 1024;

    [Fact]
    public async Task A_client_that_stops_reading_is_dropped_and_memory_stays_bounded_while_the_room_keeps_receiving()
    {
        await using var server = await SioTestServer.StartAsync(
            io => io.OnConnection(socket => _ = socket.Join("room")),
            o =>
            {
                // No heartbeat during the test: the slow client must be dropped for its buffer,
                // not for a missed pong. The send buffer limits are the defaults.
                o.PingInterval = TimeSpan.FromSeconds(60);
                o.PingTimeout = TimeSpan.FromSeconds(60);
            });
        using var metrics = new MeterCapture(server.Host.Services);

        // The slow client: a raw WebSocket with a small receive buffer that, once connected and in
        // the room, never reads again.
        await using var slow = await RawConnection.ConnectAsync(server.BaseUri, receiveBufferSize: 4096);
        Assert.Equal(101, (await slow.UpgradeAsync("/socket.io/?EIO=4&transport=websocket")).StatusCode);
        Assert.StartsWith("0{", (await slow.ReadFrameAsync())!.Value.Text);
        await slow.SendTextFrameAsync("40");
        var connect = (await slow.ReadFrameAsync())!.Value.Text;
        var slowId = JsonDocument.Parse(connect.AsMemory(2)).RootElement.GetProperty("sid").GetString()!;
        var slowSocket = await server.SocketAsync(slowId);
        // The CONNECT reply goes out before the connection handler that joins the room has run.
        await Wait.UntilAsync(() => slowSocket.Rooms.Contains("room"), because: "the slow client joins the room");

        using var progress = new SemaphoreSlim(0);
        var fast = new[] { await FastClient.ConnectAsync(server, progress), await FastClient.ConnectAsync(server, progress) };
        foreach (var client in fast)
        {
            var socket = await server.SocketAsync(client.SocketId);
            await Wait.UntilAsync(() => socket.Rooms.Contains("room"), because: "a fast client joins the room");
        }

        var readers = fast.Select(c => c.RunAsync(Messages)).ToArray();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        long peakPending = 0;
        var droppedAt = -1;
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < Messages; i++)
        {
            // Pace the broadcast to what healthy clients take, as a live application's traffic would be.
            var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
            while (fast.Min(c => c.Received) < i - Window)
            {
                Assert.True(Stopwatch.GetTimestamp() < deadline, $"the healthy clients stalled at {fast.Min(c => c.Received)} of {i} messages");
                await progress.WaitAsync(TimeSpan.FromMilliseconds(100));
            }

            // A fresh payload each time, so what the server retains shows in the heap.
            var payload = new byte[MessageSize];
            payload[0] = (byte)i;
            server.Io.To("room").Emit("data", i, Stopwatch.GetTimestamp(), payload);

            if (droppedAt < 0 && server.HasDisconnected(slowId))
            {
                droppedAt = i;
            }

            peakPending = Math.Max(peakPending, slowSocket.Conn.PendingBytes);

            // A blocking full collection shows what is retained; often while the slow client's
            // buffer fills, then now and then.
            if (i < 200 ? i % 20 == 19 : i % 200 == 199)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        await Task.WhenAll(readers).WithTimeout(TimeSpan.FromSeconds(30), "the healthy clients' reads");
        var elapsed = clock.Elapsed;
        output.WriteLine($"{Messages} × {MessageSize / 1024} KiB in {elapsed.TotalSeconds:F1} s; slow client dropped after {droppedAt} messages; " +
            $"peak heap growth {peak / (1024.0 * 1024):F1} MiB; slow client's peak send buffer {peakPending / (1024.0 * 1024):F1} MiB; healthy clients' worst latency {fast.Max(c => c.WorstLatency).TotalMilliseconds:F0} ms");

        foreach (var client in fast)
        {
            output.WriteLine($"healthy client: median latency {client.Median:F0} ms, p99 {client.Percentile(0.99):F0} ms, worst {client.WorstLatency.TotalMilliseconds:F0} ms (message {client.WorstAt})");
        }

        // The slow client was dropped with the new reason, early, and its connection is gone.
        Assert.Equal(DisconnectReason.SendBufferFull, await server.DisconnectReasonAsync(slowId));
        Assert.InRange(droppedAt, 0, Messages / 4);
        Assert.Equal(1, metrics["socketio.connections.send_buffer_full"]);
        Assert.True(await slow.WaitForEndAsync(TimeSpan.FromSeconds(10)), "the slow client's connection was not closed");

        // Memory stayed far below the 200 MiB sent: about one send buffer (10 MB) was ever retained.
        Assert.InRange(peakPending, 1, 10_000_000);
        Assert.True(peak < HeapBound, $"the heap grew by {peak / (1024 * 1024)} MiB while broadcasting");

        // The healthy clients got everything, in order, on time. The bounds are generous for a loaded
        // 2-core machine (the blocking full GCs above add their own pauses); a server that made them
        // wait on the slow client would stall them for good, and the pacing above would fail.
        foreach (var client in fast)
        {
            Assert.Equal(Messages, client.Received);
            Assert.True(client.Median < 1000, $"a healthy client's median latency was {client.Median:F0} ms");
            Assert.True(client.WorstLatency < TimeSpan.FromSeconds(10), $"a healthy client waited {client.WorstLatency.TotalMilliseconds:F0} ms for a message");
            Assert.False(server.HasDisconnected(client.SocketId));
        }

        Assert.Empty(server.Errors);
        foreach (var client in fast)
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>A client of the room that reads everything and records how late each message arrives.</summary>
    private sealed class FastClient : IAsyncDisposable
    {
        private readonly WsClient _ws;
        private readonly SemaphoreSlim _progress;
        private int _received;

        private FastClient(WsClient ws, string socketId, SemaphoreSlim progress)
        {
            _ws = ws;
            _progress = progress;
            SocketId = socketId;
        }

        public string SocketId { get; }

        public int Received => Volatile.Read(ref _received);

        public TimeSpan WorstLatency { get; private set; }

        public int WorstAt { get; private set; }

        public List<double> Latencies { get; } = new();

        public double Median => Percentile(0.5);

        public double Percentile(double p)
        {
            var sorted = Latencies.Order().ToArray();
            return sorted[(int)Math.Min(sorted.Length - 1, sorted.Length * p)];
        }

        public static async Task<FastClient> ConnectAsync(SioTestServer server, SemaphoreSlim progress)
        {
            var ws = await WsClient.ConnectAsync(server.WebSocketUrl());
            Assert.StartsWith("0{", (await ws.ReceiveAsync()).Text);
            await ws.SendTextAsync("40");
            var connect = (await ws.ReceiveAsync()).Text;
            var id = JsonDocument.Parse(connect.AsMemory(2)).RootElement.GetProperty("sid").GetString()!;
            return new FastClient(ws, id, progress);
        }

        /// <summary>Reads <paramref name="count"/> binary events (a header, then the attachment), checking their order.</summary>
        public Task RunAsync(int count) => Task.Run(async () =>
        {
            long sentAt = 0;
            var expected = 0;
            while (expected < count)
            {
                var message = await _ws.ReceiveAsync(TimeSpan.FromSeconds(20));
                Assert.False(message.IsClose, $"the server closed a healthy client ({message})");
                if (message.Type == WebSocketMessageType.Text)
                {
                    // 451-["data",i,timestamp,{"_placeholder":true,"num":0}]
                    var text = message.Text;
                    Assert.StartsWith("451-[\"data\",", text);
                    using var json = JsonDocument.Parse(text.AsMemory(4));
                    Assert.Equal(expected, json.RootElement[1].GetInt32());
                    sentAt = json.RootElement[2].GetInt64();
                    continue;
                }

                Assert.Equal(MessageSize, message.Data.Length);
                Assert.Equal((byte)expected, message.Data[0]);
                var latency = Stopwatch.GetElapsedTime(sentAt);
                if (latency > WorstLatency)
                {
                    WorstLatency = latency;
                    WorstAt = expected;
                }

                Latencies.Add(latency.TotalMilliseconds);

                expected++;
                Volatile.Write(ref _received, expected);
                _progress.Release();
            }
        });

        public ValueTask DisposeAsync() => _ws.DisposeAsync();
    }
}
