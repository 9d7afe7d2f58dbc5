// Synapse benchmark host: the library with the scenario control every bench server implements.
//   /socket.io/            Socket.IO: auth {"room":"r3"} joins room r3; "echo" answers its ack with its argument
//   GET /bench/stats       {"pid","clients","heap","committed","gcPauseMs","gcCounts"}  (?gc=1 forces a full blocking GC first)
//   GET /bench/broadcast?rooms=r0,r1&rate=B&duration=MS&size=N   starts the broadcast driver
//   GET /bench/broadcast/status  {"running","sent"}
// Usage: SynapseBench PORT [REDIS]   (REDIS "host:port": join a cluster through the Redis adapter, scenario S5)
using System.Diagnostics;
using System.Text.Json;
using Synapse.SocketIO;
using Synapse.SocketIO.Hosting;
using Synapse.SocketIO.Redis;

var port = args.Length > 0 ? int.Parse(args[0]) : 3100;
var redis = args.Length > 1 ? args[1] : null;
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(k =>
{
    k.Listen(System.Net.IPAddress.Loopback, port, listen =>
    {
        // WebSockets leave Kestrel's HTTP/1.1 layer after their upgrade (the library's recommended
        // setting); SYNAPSE_BENCH_HANDOFF=0 (the synapse-nohandoff server) keeps them on the upgrade stream.
        if (Environment.GetEnvironmentVariable("SYNAPSE_BENCH_HANDOFF") != "0")
        {
            listen.UseEngineIOWebSocketHandoff();
        }
    });
    k.Limits.MaxConcurrentConnections = null;
    k.Limits.MaxConcurrentUpgradedConnections = null;
});
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1")
{
    // The synapse-inline variant: with the sockets' own inline completions, Kestrel's pipes run
    // their continuations inline too, so a send happens on the thread that flushed.
    builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
}

builder.Services.AddSocketIO(o =>
{
    o.PingInterval = TimeSpan.FromMilliseconds(25000);
    o.PingTimeout = TimeSpan.FromMilliseconds(20000);
    o.MaxHttpBufferSize = 1_000_000;
    o.ServeClient = false;
    // The load generator opens thousands of connections from one address, thousands per second.
    o.MaxConnections = null;
    o.MaxConnectionAttemptsPerIpPerSecond = null;
});
if (redis is not null)
{
    // The adapter's defaults are Node's (classic pub/sub, key "socket.io"), as in the Node peer.
    builder.Services.AddRedisAdapter(o => o.ConnectionString = redis);
}

var app = builder.Build();
SocketIOServer? server = null;
var driver = new BroadcastDriver();

app.MapSocketIO(io =>
{
    server = io;
    io.OnConnection(async socket =>
    {
        socket.On("echo", (string data, AckCallback ack) => ack(data));
        if (socket.Handshake.Auth.ValueKind == JsonValueKind.Object && socket.Handshake.Auth.TryGetProperty("room", out var room) && room.GetString() is { } name)
        {
            await socket.Join(name);
        }
    });
});

app.MapGet("/bench/stats", (HttpContext ctx) =>
{
    if (ctx.Request.Query.ContainsKey("gc"))
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    var clients = server?.EngineConnectionsCount ?? 0;
    return Results.Text($"{{\"pid\":{Environment.ProcessId},\"clients\":{clients},\"heap\":{GC.GetTotalMemory(false)},\"gcPauseMs\":{GC.GetTotalPauseDuration().TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)},\"committed\":{GC.GetGCMemoryInfo().TotalCommittedBytes},\"gcCounts\":[{GC.CollectionCount(0)},{GC.CollectionCount(1)},{GC.CollectionCount(2)}]}}", "application/json");
});

app.MapGet("/bench/broadcast", (HttpContext ctx) =>
{
    var q = ctx.Request.Query;
    var rooms = q["rooms"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
    var rate = double.Parse(q["rate"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
    var duration = int.Parse(q["duration"].ToString());
    var size = int.Parse(q["size"].ToString());
    var pad = new string('x', size);
    var ok = driver.Start(rate, duration, (i, ts) => server!.To(rooms[i % rooms.Length]).Emit("tick", ts, pad));
    return Results.Text(ok ? "{\"ok\":true}" : "{\"ok\":false}", "application/json");
});

app.MapGet("/bench/broadcast/status", () => Results.Text($"{{\"running\":{(driver.Running ? "true" : "false")},\"sent\":{driver.Sent}}}", "application/json"));

if (redis is not null)
{
    // Serve the control endpoint (which the harness polls for readiness) only once both Redis connections are up.
    await app.Services.GetRequiredService<RedisAdapterFactory>().WaitForConnectionAsync(TimeSpan.FromSeconds(30));
}

app.Run();

/// <summary>
/// Open-loop broadcaster: broadcast i is due at t0 + i/rate; each tick emits everything due, each
/// stamped with its due time (monotonic microseconds, CLOCK_MONOTONIC like Node's hrtime), so a
/// server that falls behind shows it as delivery latency.
/// </summary>
sealed class BroadcastDriver
{
    private volatile bool _running;
    private long _sent;

    public bool Running => _running;

    public long Sent => Interlocked.Read(ref _sent);

    public bool Start(double rate, int durationMs, Action<long, long> emit)
    {
        if (_running)
        {
            return false;
        }

        _running = true;
        Interlocked.Exchange(ref _sent, 0);
        var thread = new Thread(() =>
        {
            try
            {
                var t0 = NowUs();
                var total = (long)Math.Floor(rate * durationMs / 1000.0);
                long i = 0;
                while (i < total)
                {
                    var elapsed = NowUs() - t0;
                    var due = Math.Min(total, (long)Math.Floor(elapsed * rate / 1e6) + 1);
                    for (; i < due; i++)
                    {
                        emit(i, t0 + (long)(i * 1e6 / rate));
                        Interlocked.Increment(ref _sent);
                    }

                    Thread.Sleep(1);
                }
            }
            finally
            {
                _running = false;
            }
        })
        { IsBackground = true, Name = "broadcast-driver" };
        thread.Start();
        return true;
    }

    public static long NowUs() => (long)(Stopwatch.GetTimestamp() * (1_000_000.0 / Stopwatch.Frequency));
}
