// Measures the two Redis clients the adapter could use, on what the adapter does with them:
// fan-out pub/sub (one publisher, several pattern subscribers, as several nodes of a cluster),
// behaviour while Redis restarts, and sharded pub/sub.
//
//   dotnet run -c Release --project tests/Synapse.SocketIO.Redis.ClientBench [messages] [subscribers]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Synapse.SocketIO.Redis.Resp;

var messages = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200_000;
var subscribers = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 4;
const int Window = 2_000; // publications in flight, as a busy node would have
const string Pattern = "socket.io#/#*";
const string Channel = "socket.io#/#";

await using var redis = await RedisProcess.StartAsync();
Console.WriteLine($"redis-server on port {redis.Port}; {messages:N0} messages of 120 bytes, 1 publisher, {subscribers} pattern subscribers, {Window} in flight");
Console.WriteLine();

for (var round = 0; round < 2; round++)
{
    await Report("StackExchange.Redis 1.2.6", await FanOutStackExchangeAsync(redis.Port, messages, subscribers));
    await Report("Synapse RESP client      ", await FanOutRespAsync(redis.Port, messages, subscribers));
}

Console.WriteLine();
await RestartStackExchangeAsync(redis);
await RestartRespAsync(redis);
Console.WriteLine();
await ShardedStackExchangeAsync(redis.Port);
await ShardedRespAsync(redis.Port);

static Task Report(string name, Result result)
{
    Console.WriteLine(
        $"{name}: {result.Published / result.Seconds,10:N0} msg/s published, {result.Delivered / result.Seconds,10:N0} deliveries/s, " +
        $"latency p50 {result.P50:N2} ms, p99 {result.P99:N2} ms, {result.Lost} lost, {result.AllocatedMb:N0} MB allocated");
    return Task.CompletedTask;
}

static byte[] Payload(long sent)
{
    // A msgpack broadcast of about the usual size, with the send time in its first 8 bytes.
    var payload = new byte[120];
    BitConverter.TryWriteBytes(payload, sent);
    return payload;
}

static async Task<Result> FanOutStackExchangeAsync(int port, int messages, int subscribers)
{
    var latencies = new ConcurrentBag<double>();
    var delivered = 0L;
    var muxes = new List<ConnectionMultiplexer>();
    var done = new TaskCompletionSource();
    for (var i = 0; i < subscribers; i++)
    {
        var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
        muxes.Add(mux);
        await mux.GetSubscriber().SubscribeAsync(new RedisChannel(Pattern, RedisChannel.PatternMode.Pattern), (_, value) =>
        {
            var sent = BitConverter.ToInt64((byte[])value!, 0);
            if (sent % 16 == 0)
            {
                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }

            if (Interlocked.Increment(ref delivered) == (long)messages * subscribers)
            {
                done.TrySetResult();
            }
        });
    }

    var publisher = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
    muxes.Add(publisher);
    var db = publisher.GetSubscriber();
    var channel = new RedisChannel(Channel, RedisChannel.PatternMode.Literal);
    var allocated = GC.GetTotalAllocatedBytes(true);
    var watch = Stopwatch.StartNew();
    using var window = new SemaphoreSlim(Window);
    var pending = new List<Task>(messages);
    for (var i = 0; i < messages; i++)
    {
        await window.WaitAsync();
        var task = db.PublishAsync(channel, Payload(Stopwatch.GetTimestamp()));
        pending.Add(task.ContinueWith(_ => window.Release(), TaskScheduler.Default));
    }

    await Task.WhenAll(pending);
    var published = watch.Elapsed.TotalSeconds;
    await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(30)));
    var seconds = watch.Elapsed.TotalSeconds;
    var result = Result.From(messages, Interlocked.Read(ref delivered), (long)messages * subscribers, seconds, published, latencies, GC.GetTotalAllocatedBytes(true) - allocated);
    foreach (var mux in muxes)
    {
        await mux.CloseAsync();
        mux.Dispose();
    }

    return result;
}

static async Task<Result> FanOutRespAsync(int port, int messages, int subscribers)
{
    var latencies = new ConcurrentBag<double>();
    var delivered = 0L;
    var done = new TaskCompletionSource();
    var options = new RedisClientOptions { Endpoint = RedisEndpoint.Parse($"127.0.0.1:{port}") };
    var subs = new List<RedisSubscriber>();
    for (var i = 0; i < subscribers; i++)
    {
        var subscriber = new RedisSubscriber(options, NullLogger.Instance);
        subs.Add(subscriber);
        await subscriber.SubscribeAsync(SubscriptionKind.Pattern, Pattern, message =>
        {
            var sent = BitConverter.ToInt64(message.Payload, 0);
            if (sent % 16 == 0)
            {
                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }

            if (Interlocked.Increment(ref delivered) == (long)messages * subscribers)
            {
                done.TrySetResult();
            }
        });
        await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(5));
    }

    await using var client = new RedisClient(options, NullLogger.Instance);
    await client.WaitConnectedAsync(TimeSpan.FromSeconds(5));
    var channel = Encoding.UTF8.GetBytes(Channel);
    var allocated = GC.GetTotalAllocatedBytes(true);
    var watch = Stopwatch.StartNew();
    using var window = new SemaphoreSlim(Window);
    var pending = new List<Task>(messages);
    for (var i = 0; i < messages; i++)
    {
        await window.WaitAsync();
        var task = client.PublishAsync(channel, Payload(Stopwatch.GetTimestamp()), sharded: false);
        pending.Add(task.ContinueWith(_ => window.Release(), TaskScheduler.Default));
    }

    await Task.WhenAll(pending);
    var published = watch.Elapsed.TotalSeconds;
    await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(30)));
    var seconds = watch.Elapsed.TotalSeconds;
    var result = Result.From(messages, Interlocked.Read(ref delivered), (long)messages * subscribers, seconds, published, latencies, GC.GetTotalAllocatedBytes(true) - allocated);
    foreach (var subscriber in subs)
    {
        await subscriber.DisposeAsync();
    }

    return result;
}

// Redis is killed and started again: when does a subscriber hear messages again, and what
// happens to publications meanwhile?
static async Task RestartStackExchangeAsync(RedisProcess redis)
{
    using var sub = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port},abortConnect=false,connectRetry=100,connectTimeout=1000");
    using var pub = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port},abortConnect=false,connectRetry=100,connectTimeout=1000");
    var heard = new ConcurrentQueue<string>();
    await sub.GetSubscriber().SubscribeAsync(new RedisChannel(Pattern, RedisChannel.PatternMode.Pattern), (_, v) => heard.Enqueue(v!));
    await redis.StopAsync();
    var watch = Stopwatch.StartNew();
    string duringOutage;
    try
    {
        var publish = pub.GetSubscriber().PublishAsync(new RedisChannel(Channel, RedisChannel.PatternMode.Literal), "during");
        var finished = await Task.WhenAny(publish, Task.Delay(3000));
        duringOutage = finished == publish
            ? (publish.IsFaulted ? $"failed after {watch.ElapsedMilliseconds} ms ({publish.Exception!.InnerException!.GetType().Name})" : $"returned {publish.Result} after {watch.ElapsedMilliseconds} ms")
            : "still pending after 3000 ms (queued)";
    }
    catch (Exception ex)
    {
        duringOutage = $"threw {ex.GetType().Name} after {watch.ElapsedMilliseconds} ms";
    }

    await redis.StartAgainAsync();
    watch.Restart();
    var recovered = await UntilHeardAsync(heard, () => pub.GetSubscriber().PublishAsync(new RedisChannel(Channel, RedisChannel.PatternMode.Literal), "after"), TimeSpan.FromSeconds(30));
    Console.WriteLine($"StackExchange.Redis 1.2.6: publish during the outage {duringOutage}; {(recovered ? $"subscriber hears again {watch.ElapsedMilliseconds} ms after Redis is back" : "subscriber did not hear anything within 30 s after Redis is back")}");
}

static async Task RestartRespAsync(RedisProcess redis)
{
    var options = new RedisClientOptions { Endpoint = RedisEndpoint.Parse($"127.0.0.1:{redis.Port}") };
    await using var sub = new RedisSubscriber(options, NullLogger.Instance);
    await using var pub = new RedisClient(options, NullLogger.Instance);
    var heard = new ConcurrentQueue<string>();
    await sub.SubscribeAsync(SubscriptionKind.Pattern, Pattern, m => heard.Enqueue(Encoding.UTF8.GetString(m.Payload)));
    await sub.WaitConnectedAsync(TimeSpan.FromSeconds(5));
    await pub.WaitConnectedAsync(TimeSpan.FromSeconds(5));
    await redis.StopAsync();
    while (pub.IsConnected)
    {
        await Task.Delay(1);
    }

    var watch = Stopwatch.StartNew();
    string duringOutage;
    try
    {
        await pub.PublishAsync(Encoding.UTF8.GetBytes(Channel), "during"u8.ToArray(), sharded: false);
        duringOutage = "succeeded?";
    }
    catch (Exception ex)
    {
        duringOutage = $"failed after {watch.ElapsedMilliseconds} ms ({ex.GetType().Name})";
    }

    await redis.StartAgainAsync();
    watch.Restart();
    var recovered = await UntilHeardAsync(heard, async () =>
    {
        try
        {
            await pub.PublishAsync(Encoding.UTF8.GetBytes(Channel), "after"u8.ToArray(), sharded: false);
        }
        catch (Synapse.SocketIO.Redis.Resp.RedisConnectionException)
        {
        }
    }, TimeSpan.FromSeconds(30));
    Console.WriteLine($"Synapse RESP client      : publish during the outage {duringOutage}; {(recovered ? $"subscriber hears again {watch.ElapsedMilliseconds} ms after Redis is back" : "subscriber did not hear anything within 30 s")}");
}

static async Task<bool> UntilHeardAsync(ConcurrentQueue<string> heard, Func<Task> publish, TimeSpan limit)
{
    var watch = Stopwatch.StartNew();
    while (watch.Elapsed < limit)
    {
        try
        {
            await publish().WaitAsync(TimeSpan.FromMilliseconds(500));
        }
        catch (Exception)
        {
        }

        if (heard.Contains("after"))
        {
            return true;
        }

        await Task.Delay(10);
    }

    return false;
}

static async Task ShardedStackExchangeAsync(int port)
{
    using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
    var db = mux.GetDatabase();
    string spublish;
    try
    {
        spublish = $"SPUBLISH via Execute: {await db.ExecuteAsync("SPUBLISH", "shard-ch", "x")}";
    }
    catch (Exception ex)
    {
        spublish = $"SPUBLISH via Execute fails: {ex.GetType().Name}: {ex.Message}";
    }

    string ssubscribe;
    try
    {
        var reply = await db.ExecuteAsync("SSUBSCRIBE", "shard-ch").WaitAsync(TimeSpan.FromSeconds(5));
        string next;
        try
        {
            // The interactive connection is now in subscribed mode, and an smessage push arrives on it.
            await db.ExecuteAsync("SPUBLISH", "shard-ch", "y").WaitAsync(TimeSpan.FromSeconds(5));
            next = $"the next GET returns {await db.StringGetAsync("some-key").WaitAsync(TimeSpan.FromSeconds(5))}";
        }
        catch (Exception ex)
        {
            next = $"the next commands fail: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}";
        }

        ssubscribe = $"SSUBSCRIBE via Execute returned {reply} (no API delivers smessage pushes); {next}";
    }
    catch (Exception ex)
    {
        ssubscribe = $"SSUBSCRIBE via Execute fails: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}";
    }

    Console.WriteLine($"StackExchange.Redis 1.2.6: {spublish}; {ssubscribe}");
}

static async Task ShardedRespAsync(int port)
{
    var options = new RedisClientOptions { Endpoint = RedisEndpoint.Parse($"127.0.0.1:{port}") };
    await using var sub = new RedisSubscriber(options, NullLogger.Instance);
    await using var pub = new RedisClient(options, NullLogger.Instance);
    var heard = new TaskCompletionSource<string>();
    await sub.SubscribeAsync(SubscriptionKind.Shard, "shard-ch", m => heard.TrySetResult(Encoding.UTF8.GetString(m.Payload)));
    await sub.WaitConnectedAsync(TimeSpan.FromSeconds(5));
    await pub.WaitConnectedAsync(TimeSpan.FromSeconds(5));
    var receivers = await pub.PublishAsync("shard-ch"u8.ToArray(), "x"u8.ToArray(), sharded: true);
    Console.WriteLine($"Synapse RESP client      : SPUBLISH reached {receivers} subscriber(s), SSUBSCRIBE delivered \"{await heard.Task.WaitAsync(TimeSpan.FromSeconds(5))}\"");
}

internal sealed record Result(long Published, long Delivered, long Lost, double Seconds, double P50, double P99, double AllocatedMb)
{
    public static Result From(int messages, long delivered, long expected, double seconds, double published, ConcurrentBag<double> latencies, long allocated)
    {
        var sorted = latencies.Order().ToArray();
        return new Result(
            messages,
            delivered,
            expected - delivered,
            seconds,
            sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2],
            sorted.Length == 0 ? double.NaN : sorted[(int)(sorted.Length * 0.99)],
            allocated / 1048576.0);
    }
}

internal sealed class RedisProcess : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("synapse-clientbench-").FullName;
    private Process? _process;

    public int Port { get; } = FreePort();

    public static async Task<RedisProcess> StartAsync()
    {
        var redis = new RedisProcess();
        await redis.StartAgainAsync();
        return redis;
    }

    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory, "--loglevel", "warning" })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info)!;
        _process.BeginOutputReadLine();
        for (var i = 0; i < 500; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(10);
            }
        }
    }

    public async Task StopAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            await StopAsync();
        }

        Directory.Delete(_directory, true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
