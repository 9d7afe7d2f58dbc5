using System.Net;
using System.Text;

namespace LoadGen;

public sealed class Config
{
    public bool Quick;
    public int Repeats = 3;
    public int[] S1Sizes = [1000, 5000, 10000];
    public int[] S2Clients = [100, 1000];
    public double[] S2Rates = [1000, 5000, 20000];
    public int S2DurationMs = 5000;
    public bool S2Max = true;
    public int S3Clients = 1000;
    public int[] S3RoomCounts = [10, 1];
    public double S3FixedRate = 20_000; // deliveries per second every server sustains
    public double[] S3Ladder = [5_000, 10_000, 15_000, 20_000, 25_000, 35_000, 50_000, 75_000, 100_000, 150_000, 200_000, 300_000, 400_000, 600_000, 800_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000, 4_000_000];
    public int S3StepMs = 3000;
    // .NET's tiered JIT recompiles the hot path in the background for several seconds after start:
    // after a 3 s warm-up that work still landed in the fixed-rate window (about 10 CPU-s per
    // million more than the same rate later in the ladder, for both .NET servers, not for Node).
    public int S3WarmupMs = 10_000;
    public int S3FixedMs = 5000;
    public int S3PayloadSize = 32;
    public int S4Connections = 5000;
    public double[] S4Rates = [500, 1000, 2000];
    public string[] S4Modes = ["ws", "polling"];
    public int S4WarmupConnections = 500; // per mode, before the measured storms, not reported
    public double S4WarmupRate = 500;
    public int S5Clients = 1000; // split evenly over the two nodes
    public int[] S5RoomCounts = [1, 10];
    public double[] S5Ladder = [5_000, 10_000, 15_000, 20_000, 25_000, 35_000, 50_000, 75_000, 100_000, 150_000, 200_000, 300_000, 400_000, 600_000, 800_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000, 4_000_000];
    public string[] Scenarios = ["S1", "S2", "S3", "S4", "S5"];
}

/// <summary>The scenarios: S1-S4 of issue 4, each against one freshly started server; S5 (issue 7) against two fresh nodes on a fresh Redis.</summary>
public sealed class Scenarios(Config cfg, Action<Result> report, Action<string> log)
{
    private const string EchoPayload = "\"abcdefghijklmnopqrstuvwxyz012345\""; // 32 characters, quoted

    private static Result R(ServerProc s, string scenario, string variant, int clients, int repeat) =>
        new() { Server = s.Spec.Name, Scenario = scenario, Variant = variant, Clients = clients, Repeat = repeat, LoadAvg = LoadAvg() };

    /// <summary>The machine's 1-minute load average: above 2, something else was running too.</summary>
    public static double? LoadAvg()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>Opens <paramref name="count"/> WebSocket clients at <paramref name="rate"/> per second (bounded in flight).</summary>
    public static async Task<(List<WsConn> Conns, int Errors)> ConnectManyAsync(IPEndPoint ep, int count, double rate, Func<int, string?> auth, int offset = 0)
    {
        var conns = new WsConn[count];
        var errors = 0;
        using var gate = new SemaphoreSlim(256);
        var tasks = new List<Task>(count);
        var t0 = Clock.NowUs();
        for (var i = 0; i < count; i++)
        {
            var due = t0 + (long)(i * 1e6 / rate);
            var wait = (due - Clock.NowUs()) / 1000;
            if (wait > 0)
            {
                await Task.Delay((int)wait);
            }

            await gate.WaitAsync();
            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                var c = new WsConn();
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                    await c.ConnectAsync(ep, auth(index + offset), cts.Token);
                    conns[index] = c;
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                    c.Close();
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        await Task.WhenAll(tasks);
        return (conns.Where(c => c is not null).ToList(), errors);
    }

    private static void CloseAll(IEnumerable<WsConn> conns)
    {
        foreach (var c in conns)
        {
            c.Close();
        }
    }

    // ---------------------------------------------------------------- S1 idle memory
    public async Task S1Async(ServerProc s, int repeat)
    {
        // Warm-up: 100 clients connect and leave before the baseline, so that what every server
        // loads once (JIT code, the TLS library its WebSocket handshake hashes with, pools) is not
        // divided among the measured connections (it was 2.7 MB of libcrypto alone for .NET).
        var (warm, _) = await ConnectManyAsync(s.Endpoint, 100, 2000, _ => null);
        await Task.Delay(300);
        CloseAll(warm);
        await s.WaitClientsAtMostAsync(0, TimeSpan.FromSeconds(10));
        await Task.Delay(500);
        await s.StatsAsync(true);
        await Task.Delay(500);
        var (_, _, heap0) = await s.StatsAsync(true);
        var rss0 = s.Rss;
        var conns = new List<WsConn>();
        var errors = 0;
        foreach (var size in cfg.S1Sizes)
        {
            var gen = SelfCpuWindow.Start();
            var (more, err) = await ConnectManyAsync(s.Endpoint, size - conns.Count, 2000, _ => null, conns.Count);
            conns.AddRange(more);
            errors += err;
            var genCpu = gen.Stop();
            await Task.Delay(1000);
            await s.StatsAsync(true);
            await Task.Delay(1000);
            var (_, clients, heap) = await s.StatsAsync(true);
            await Task.Delay(300);
            var rss = s.Rss;
            var r = R(s, "S1", size.ToString(), clients, repeat);
            r.BytesPerConnection = Math.Round((double)(rss - rss0) / size);
            r.HeapBytesPerConnection = s.Spec.Name.StartsWith("node", StringComparison.Ordinal) || s.Spec.Name == "synapse" || s.Spec.Name == "raw" ? Math.Round((double)(heap - heap0) / size) : null;
            r.Errors = errors + Math.Max(0, size - clients);
            r.GenCpu = genCpu;
            r.Note = $"rss0={rss0 / 1048576.0:F1}MiB rss={rss / 1048576.0:F1}MiB heap0={heap0 / 1048576.0:F1}MiB heap={heap / 1048576.0:F1}MiB";
            report(r);
        }

        CloseAll(conns);
    }

    // ---------------------------------------------------------------- S2 echo with ack
    public async Task S2Async(ServerProc s, int repeat)
    {
        foreach (var clients in cfg.S2Clients)
        {
            var (conns, errors) = await ConnectManyAsync(s.Endpoint, clients, 2000, _ => null);
            await Task.Delay(300);
            // Warm-up: JIT, pools, buffers.
            await OpenLoopAsync(conns, 1000, 2000, new Histogram(), new Histogram());
            foreach (var rate in cfg.S2Rates)
            {
                var lat = new Histogram();
                var lag = new Histogram();
                var cpu0 = s.CpuSeconds;
                var gen = SelfCpuWindow.Start();
                var (sent, received) = await OpenLoopAsync(conns, rate, cfg.S2DurationMs, lat, lag);
                var genCpu = gen.Stop();
                var r = R(s, "S2", $"{clients}c@{rate}/s", clients, repeat);
                r.Rate = rate;
                r.P50Ms = lat.Ms(0.5);
                r.P99Ms = lat.Ms(0.99);
                r.P999Ms = lat.Ms(0.999);
                r.AcksPerS = Math.Round(received / (cfg.S2DurationMs / 1000.0));
                r.DeliveredRatio = sent == 0 ? 0 : Math.Round((double)received / sent, 5);
                r.Errors = errors + (sent - received);
                r.ServerCpu = Math.Round((s.CpuSeconds - cpu0) / (cfg.S2DurationMs / 1000.0), 3);
                r.SchedLagP99Ms = lag.Ms(0.99);
                r.GenCpu = genCpu;
                r.Sustained = r.DeliveredRatio >= 0.999 && r.P99Ms < 100;
                r.Valid = genCpu <= 0.9 && r.SchedLagP99Ms < 5;
                report(r);
            }

            if (cfg.S2Max)
            {
                var window = Math.Max(1, 1000 / clients);
                var lat = new Histogram();
                var gen = SelfCpuWindow.Start();
                var cpu0 = s.CpuSeconds;
                var t0 = Clock.NowUs();
                var acks = await ClosedLoopAsync(conns, window, cfg.S2DurationMs, lat);
                var window_s = (Clock.NowUs() - t0) / 1e6;
                var genCpu = gen.Stop();
                var r = R(s, "S2max", $"{clients}c x{window} in flight", clients, repeat);
                r.AcksPerS = Math.Round(acks / (cfg.S2DurationMs / 1000.0));
                r.P50Ms = lat.Ms(0.5);
                r.P99Ms = lat.Ms(0.99);
                r.P999Ms = lat.Ms(0.999);
                r.ServerCpu = Math.Round((s.CpuSeconds - cpu0) / window_s, 3);
                r.GenCpu = genCpu;
                r.Valid = genCpu <= 0.9;
                r.Note = r.Valid ? null : "generator core saturated: the rate is the generator's limit, not the server's";
                report(r);
            }

            CloseAll(conns);
            await s.WaitClientsAtMostAsync(0, TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Constant-rate echoes, round-robin over the clients, whatever the answers do (open loop).</summary>
    private static async Task<(long Sent, long Received)> OpenLoopAsync(List<WsConn> conns, double rate, int durationMs, Histogram lat, Histogram lag)
    {
        foreach (var c in conns)
        {
            c.AckLatency = lat;
        }

        var before = conns.Sum(c => Interlocked.Read(ref c.Acks));
        var payload = Encoding.UTF8.GetBytes(EchoPayload);
        var total = (long)(rate * durationMs / 1000);
        var thread = new Thread(() =>
        {
            var t0 = Clock.NowUs();
            long i = 0;
            while (i < total)
            {
                var now = Clock.NowUs();
                var due = Math.Min(total, (long)((now - t0) * rate / 1e6) + 1);
                for (; i < due; i++)
                {
                    lag.Record(Clock.NowUs() - (t0 + (long)(i * 1e6 / rate)));
                    conns[(int)(i % conns.Count)].SendEcho(payload);
                }

                Thread.Sleep(1);
            }
        }) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
        await Threads.Run(thread);
        var deadline = Clock.NowUs() + 3_000_000;
        long received;
        while ((received = conns.Sum(c => Interlocked.Read(ref c.Acks)) - before) < total && Clock.NowUs() < deadline)
        {
            await Task.Delay(20);
        }

        return (total, received);
    }

    /// <summary>Each client keeps <paramref name="window"/> echoes in flight: the maximum acks per second.</summary>
    private static async Task<long> ClosedLoopAsync(List<WsConn> conns, int window, int durationMs, Histogram lat)
    {
        var payload = Encoding.UTF8.GetBytes(EchoPayload);
        var running = true;
        foreach (var c in conns)
        {
            c.AckLatency = lat;
            c.OnAck = conn =>
            {
                if (Volatile.Read(ref running))
                {
                    conn.SendEcho(payload);
                }
            };
        }

        // One second of warm-up at full speed, then the measured window.
        foreach (var c in conns)
        {
            for (var k = 0; k < window; k++)
            {
                c.SendEcho(payload);
            }
        }

        await Task.Delay(1000);
        var before = conns.Sum(c => Interlocked.Read(ref c.Acks));
        await Task.Delay(durationMs);
        var acks = conns.Sum(c => Interlocked.Read(ref c.Acks)) - before;
        Volatile.Write(ref running, false);
        await Task.Delay(500);
        foreach (var c in conns)
        {
            c.OnAck = null;
        }

        return acks;
    }

    // ---------------------------------------------------------------- S3 room fan-out
    public async Task S3Async(ServerProc s, int repeat)
    {
        foreach (var roomCount in cfg.S3RoomCounts)
        {
            var perRoom = cfg.S3Clients / roomCount;
            var rooms = Enumerable.Range(0, roomCount).Select(i => "r" + i).ToArray();
            var (conns, errors) = await ConnectManyAsync(s.Endpoint, cfg.S3Clients, 2000, i => "{\"room\":\"" + rooms[i % roomCount] + "\"}");
            await FanOutAsync("S3", s, [s], null, conns, errors, rooms, perRoom, cfg.S3Ladder, repeat);
            CloseAll(conns);
            await s.WaitClientsAtMostAsync(0, TimeSpan.FromSeconds(10));
        }
    }

    // ---------------------------------------------------------------- S5 two-node fan-out over Redis
    /// <summary>
    /// Two nodes of one server on one Redis; the clients split evenly between them (every room has
    /// half its members on each node); the broadcast driver runs on node 0 only, so half of every
    /// room is reached through Redis. CPU is summed over both nodes (Redis's own given beside it).
    /// </summary>
    public async Task S5Async(ServerProc[] nodes, RedisProc redis, int repeat)
    {
        foreach (var roomCount in cfg.S5RoomCounts)
        {
            var perRoom = cfg.S5Clients / roomCount;
            var rooms = Enumerable.Range(0, roomCount).Select(i => "r" + i).ToArray();
            var conns = new List<WsConn>();
            var errors = 0;
            var perNode = cfg.S5Clients / nodes.Length;
            for (var n = 0; n < nodes.Length; n++)
            {
                // Client k of node n is global client k*nodes+n: room (k*nodes+n)/nodes % rooms = k % rooms,
                // so each room gets perRoom/nodes members on every node.
                var (more, err) = await ConnectManyAsync(nodes[n].Endpoint, perNode, 2000, k => "{\"room\":\"" + rooms[k % roomCount] + "\"}");
                conns.AddRange(more);
                errors += err;
            }

            await FanOutAsync("S5", nodes[0], nodes, redis, conns, errors, rooms, perRoom, cfg.S5Ladder, repeat);
            CloseAll(conns);
            foreach (var node in nodes)
            {
                await node.WaitClientsAtMostAsync(0, TimeSpan.FromSeconds(10));
            }
        }
    }

    /// <summary>
    /// Warm-up, the fixed rate (<c>{scenario}cpu</c>: CPU per delivery) and the ladder
    /// (<c>{scenario}</c>: the highest rate with p99 &lt; 100 ms and ≥ 99.9% arrived), broadcasting
    /// from <paramref name="trigger"/> to <paramref name="rooms"/>.
    /// </summary>
    private async Task FanOutAsync(string scenario, ServerProc trigger, ServerProc[] nodes, RedisProc? redis, List<WsConn> conns, int errors, string[] rooms, int perRoom, double[] ladderRates, int repeat)
    {
        var variant = $"{rooms.Length}x{perRoom}";
        int? nodeCount = nodes.Length > 1 ? nodes.Length : null;
        await Task.Delay(500);
        // Warm-up at a low rate (JIT, pools; in S5 also proves that the other node is subscribed).
        var warm = await StepAsync(trigger, nodes, redis, conns, rooms, perRoom, 20_000, cfg.S3WarmupMs);
        if (warm.Ratio < 0.99)
        {
            log($"    {trigger.Spec.Name} {scenario} {variant}: warm-up delivered {warm.Ratio * 100:0.##}%, warming up again");
            await StepAsync(trigger, nodes, redis, conns, rooms, perRoom, 20_000, 3000);
        }

        var fixedStep = await StepAsync(trigger, nodes, redis, conns, rooms, perRoom, cfg.S3FixedRate, cfg.S3FixedMs);
        var f = R(trigger, scenario + "cpu", variant, conns.Count, repeat);
        f.Nodes = nodeCount;
        f.Rate = cfg.S3FixedRate;
        f.DeliveriesPerS = fixedStep.DeliveriesPerS;
        f.CpuSPerMillion = fixedStep.CpuSPerMillion;
        f.CoreCpuSPerMillion = fixedStep.CoreCpuSPerMillion;
        f.SoftirqShare = fixedStep.SoftirqShare;
        f.RedisCpuSPerMillion = fixedStep.RedisCpuSPerMillion;
        f.P50Ms = fixedStep.P50;
        f.P99Ms = fixedStep.P99;
        f.P999Ms = fixedStep.P999;
        f.DeliveredRatio = fixedStep.Ratio;
        f.ServerCpu = fixedStep.ServerCpu;
        f.GenCpu = fixedStep.GenCpu;
        f.Errors = errors;
        f.Sustained = fixedStep.Pass;
        f.Valid = fixedStep.GenCpu <= 0.9;
        report(f);

        if (ladderRates.Length == 0)
        {
            return;
        }

        Step? best = null;
        var ladder = new StringBuilder();
        var genLimited = false;
        var stalled = false;
        var name = trigger.Spec.Name;
        foreach (var rate in ladderRates)
        {
            var step = await StepAsync(trigger, nodes, redis, conns, rooms, perRoom, rate, cfg.S3StepMs);
            var retries = 2;
            for (var retry = 0; retry < retries && !step.Pass; retry++)
            {
                if (step.GenStallMs > 50)
                {
                    // The generator itself was held up: that step measured the machine, not the server.
                    retries = 4;
                }

                // Up to two retries: a hiccup of a shared machine does not end the ladder.
                log($"    {name} {scenario} {variant} {rate:0}/s failed (p99={step.P99}ms ratio={step.Ratio} gen={step.GenCpu} genStall={step.GenStallMs}ms genGc={step.GenGcMs}ms), retrying");
                await Task.Delay(1000);
                step = await StepAsync(trigger, nodes, redis, conns, rooms, perRoom, rate, cfg.S3StepMs);
            }

            ladder.Append($"{rate / 1000:0}k:{(step.Pass ? "ok" : "FAIL")}(p99 {step.P99:0.#}ms, {step.Ratio * 100:0.###}%, gen {step.GenCpu * 100:0}%, srv {step.ServerCpu * 100:0}%, core0 {step.CoreCpuSPerMillion:0.##}s/M, gen stall {step.GenStallMs}ms) ");
            log($"    {name} {scenario} {variant} {rate:0}/s -> {(step.Pass ? "ok" : "FAIL")} p99={step.P99}ms ratio={step.Ratio} gen={step.GenCpu} srv={step.ServerCpu} genStall={step.GenStallMs}ms genGc={step.GenGcMs}ms");
            if (!step.Pass)
            {
                // A failure while the generator's core was saturated says nothing about the server.
                genLimited = step.GenCpu > 0.9;
                stalled = step.GenStallMs > 50;
                break;
            }

            // A passing step counts even when the generator was busy (it kept up); the
            // generator gets cheaper per delivery as rates rise (more frames per read).
            best = step;
        }

        var r = R(trigger, scenario, variant, conns.Count, repeat);
        r.Nodes = nodeCount;
        r.Rate = best?.Rate;
        r.DeliveriesPerS = best?.DeliveriesPerS ?? 0;
        r.P50Ms = best?.P50;
        r.P99Ms = best?.P99;
        r.P999Ms = best?.P999;
        r.DeliveredRatio = best?.Ratio;
        r.ServerCpu = best?.ServerCpu;
        r.CpuSPerMillion = best?.CpuSPerMillion;
        r.CoreCpuSPerMillion = best?.CoreCpuSPerMillion;
        r.SoftirqShare = best?.SoftirqShare;
        r.RedisCpuSPerMillion = best?.RedisCpuSPerMillion;
        r.GenCpu = best?.GenCpu ?? 0;
        r.Errors = errors;
        r.Ladder = ladder.ToString().Trim();
        r.Valid = !genLimited && !stalled;
        r.Note = genLimited ? "the next step failed with the generator's core saturated: the server's limit is at least this"
            : stalled ? "the next step failed while the generator itself stalled over 50 ms (the machine, not the server): the server's limit is at least this"
            : null;
        report(r);
    }

    private sealed record Step(double Rate, double DeliveriesPerS, double Ratio, double P50, double P99, double P999, double ServerCpu, double GenCpu, double CpuSPerMillion, bool Pass, double CoreCpuSPerMillion, double SoftirqShare, double GenStallMs = 0, double GenGcMs = 0, double? RedisCpuSPerMillion = null);

    /// <summary>
    /// <paramref name="s"/> broadcasts at <paramref name="rate"/> deliveries per second for <paramref name="ms"/>;
    /// server CPU is the sum over <paramref name="nodes"/>.
    /// </summary>
    private static async Task<Step> StepAsync(ServerProc s, ServerProc[] nodes, RedisProc? redis, List<WsConn> conns, string[] rooms, int perRoom, double rate, int ms)
    {
        var hist = new Histogram();
        foreach (var c in conns)
        {
            c.TickLatency = hist;
        }

        long Total() => conns.Sum(c => Volatile.Read(ref c.Ticks));
        var before = Total();
        double ServerCpu() => nodes.Sum(n => n.CpuSeconds);
        var cpu0 = ServerCpu();
        var redis0 = redis?.CpuSeconds ?? 0;
        var core0 = ProcStat.CoreSeconds(0);
        StallMonitor.Reset();
        var gen = SelfCpuWindow.Start();
        var t0 = Clock.NowUs();
        await s.StartBroadcastAsync(rooms, rate / perRoom, ms, 32);
        await Task.Delay(ms);
        long sent;
        while (true)
        {
            var (running, n) = await s.BroadcastStatusAsync();
            sent = n;
            if (!running || Clock.NowUs() - t0 > (ms * 1000L) + 20_000_000)
            {
                break;
            }

            await Task.Delay(50);
        }

        // Drain: until everything sent has arrived, or nothing more arrives for 500 ms (at most 5 s).
        var expected = sent * perRoom;
        var last = Total() - before;
        var lastChange = Clock.NowUs();
        var drainStart = Clock.NowUs();
        while (last < expected && Clock.NowUs() - lastChange < 500_000 && Clock.NowUs() - drainStart < 5_000_000)
        {
            await Task.Delay(20);
            var now = Total() - before;
            if (now != last)
            {
                last = now;
                lastChange = Clock.NowUs();
            }
        }

        var elapsed = (Clock.NowUs() - t0) / 1e6;
        var genCpu = gen.Stop();
        var cpu = ServerCpu() - cpu0;
        var redisCpu = redis is null ? (double?)null : redis.CpuSeconds - redis0;
        var core1 = ProcStat.CoreSeconds(0);
        var coreBusy = core1.Busy - core0.Busy;
        var delivered = Total() - before;
        var ratio = expected == 0 ? 0 : Math.Round((double)delivered / expected, 6);
        var p99 = hist.Ms(0.99);
        var (stall, gc) = StallMonitor.Read();
        return new Step(
            rate,
            Math.Round(delivered / (ms / 1000.0)),
            ratio,
            hist.Ms(0.5),
            p99,
            hist.Ms(0.999),
            Math.Round(cpu / elapsed, 3),
            genCpu,
            delivered == 0 ? double.NaN : Math.Round(cpu / (delivered / 1e6), 3),
            ratio >= 0.999 && p99 < 100,
            delivered == 0 ? double.NaN : Math.Round(coreBusy / (delivered / 1e6), 3),
            coreBusy <= 0 ? 0 : Math.Round((core1.SoftIrq - core0.SoftIrq) / coreBusy, 3),
            stall,
            gc,
            redisCpu is null || delivered == 0 ? null : Math.Round(redisCpu.Value / (delivered / 1e6), 3));
    }

    // ---------------------------------------------------------------- S4 connection storm
    public async Task S4Async(ServerProc s, int repeat)
    {
        foreach (var mode in cfg.S4Modes)
        {
            if (mode == "polling" && !s.Spec.Polling)
            {
                continue;
            }

            // A fresh server compiles its handshake path on the first connections: without a
            // warm-up, the first storm's p99 measured that start-up (for every server) rather than
            // the storm. Not reported.
            var warm = await StormAsync(s, mode, cfg.S4WarmupRate, cfg.S4WarmupConnections);
            log($"    {s.Spec.Name} S4 {mode} warm-up: {cfg.S4WarmupConnections} at {cfg.S4WarmupRate:0}/s, p99 {warm.Latency.Ms(0.99)} ms, errors {warm.Errors}");
            await CloseStormAsync(s, warm);

            foreach (var rate in cfg.S4Rates)
            {
                var gen = SelfCpuWindow.Start();
                var cpu0 = s.CpuSeconds;
                var (serverGc0, serverCounts0) = await s.GcStatsAsync();
                var storm = await StormAsync(s, mode, rate, cfg.S4Connections);
                var (genStall, genGc) = StallMonitor.Read();
                var (serverGc1, serverCounts1) = await s.GcStatsAsync();
                var serverGc = serverGc1 - serverGc0;
                var collections = serverCounts0 is not null && serverCounts1 is not null
                    ? $" in {serverCounts1[0] - serverCounts0[0]}/{serverCounts1[1] - serverCounts0[1]}/{serverCounts1[2] - serverCounts0[2]} collections (gen0/1/2 counts)"
                    : "";
                var genCpu = gen.Stop();
                var r = R(s, "S4", $"{mode}@{rate}/s", cfg.S4Connections, repeat);
                r.Rate = rate;
                r.P50Ms = storm.Latency.Ms(0.5);
                r.P99Ms = storm.Latency.Ms(0.99);
                r.P999Ms = storm.Latency.Ms(0.999);
                r.Errors = storm.Errors;
                r.ServerCpu = s.CpuSeconds - cpu0;
                r.GenCpu = genCpu;
                r.Valid = genCpu <= 0.9;
                r.Note = storm.FirstError;
                report(r);
                log($"    {s.Spec.Name} S4 {mode}@{rate:0}/s: {storm.SlowSpread()}; generator: longest stall {genStall} ms, GC pauses {genGc} ms{(storm.NoGc ? ", no GC" : "")}; server GC pauses {(serverGc is { } g ? $"{g:0.#} ms{collections}" : "not reported")}");
                await CloseStormAsync(s, storm);
            }
        }
    }

    private static async Task CloseStormAsync(ServerProc s, Storm storm)
    {
        CloseAll(storm.Conns.Where(c => c is not null)!);
        await s.WaitClientsAtMostAsync(0, TimeSpan.FromSeconds(15));
    }

    /// <summary>One storm: <paramref name="count"/> connections opened open-loop at <paramref name="rate"/> per second.</summary>
    private static async Task<Storm> StormAsync(ServerProc s, string mode, double rate, int count)
    {
        var storm = new Storm(count);
        var tasks = new List<Task>(count);
        // The generator must not pause during a storm: its own GCs (tens of ms each, as thousands
        // of new connections survive into older generations) showed as every server's p99.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var noGc = false;
        try
        {
            noGc = GC.TryStartNoGCRegion(200L * 1024 * 1024);
        }
        catch (ArgumentOutOfRangeException)
        {
        }

        StallMonitor.Reset();
        var t0 = Clock.NowUs() + 10_000;
        // The opener runs on its own thread so its pacing never holds up a receive continuation.
        var opener = new Thread(() =>
        {
            for (var i = 0; i < count; i++)
            {
                var due = t0 + (long)(i * 1e6 / rate);
                var wait = due - Clock.NowUs();
                if (wait > 1000)
                {
                    Thread.Sleep((int)(wait / 1000));
                }

                var index = i;
                var task = Task.Run(async () =>
                {
                    var c = new WsConn { SampleEvery = int.MaxValue };
                    try
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                        if (mode == "ws")
                        {
                            await c.ConnectAsync(s.Endpoint, null, cts.Token);
                            storm.Record(index, c.ConnectedAtUs - due);
                        }
                        else
                        {
                            var (sid, at) = await PollingClient.ConnectAsync(s.Endpoint, cts.Token);
                            storm.Record(index, at - due);
                            await c.UpgradeAsync(s.Endpoint, sid, cts.Token);
                        }

                        storm.Conns[index] = c;
                    }
                    catch (Exception ex)
                    {
                        Interlocked.CompareExchange(ref storm.FirstError, ex.GetType().Name + ": " + ex.Message, null);
                        Interlocked.Increment(ref storm.Errors);
                        c.Close();
                    }
                });
                lock (tasks)
                {
                    tasks.Add(task);
                }
            }
        }) { IsBackground = true };
        await Threads.Run(opener);
        await Task.WhenAll(tasks);
        storm.NoGc = noGc && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion;
        if (storm.NoGc)
        {
            GC.EndNoGCRegion();
        }

        return storm;
    }

    private sealed class Storm(int count)
    {
        public readonly Histogram Latency = new();
        public readonly WsConn?[] Conns = new WsConn?[count];
        public readonly long[] LatencyUs = new long[count];
        public int Errors;
        public string? FirstError;

        /// <summary>Whether the generator ran the whole storm without a GC.</summary>
        public bool NoGc;

        public void Record(int index, long us)
        {
            Latency.Record(us);
            LatencyUs[index] = us;
        }

        /// <summary>Where in the storm the connections slower than 20 ms were: tenths of the storm, in order.</summary>
        public string SlowSpread()
        {
            var tenths = new int[10];
            var slow = 0;
            for (var i = 0; i < LatencyUs.Length; i++)
            {
                if (LatencyUs[i] > 20_000)
                {
                    slow++;
                    tenths[i * 10 / LatencyUs.Length]++;
                }
            }

            return $"{slow} connects over 20 ms, by tenth of the storm: {string.Join(" ", tenths)}";
        }
    }
}

public static class Threads
{
    /// <summary>Starts a dedicated thread and completes when it ends, without blocking a pool thread.</summary>
    public static Task Run(Thread thread)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = new Thread(() =>
        {
            thread.Join();
            done.SetResult();
        }) { IsBackground = true };
        thread.Start();
        watcher.Start();
        return done.Task;
    }
}
