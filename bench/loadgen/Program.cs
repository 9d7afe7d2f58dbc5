using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LoadGen;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
ThreadPool.SetMinThreads(8, 8);

var json = new JsonSerializerOptions
{
    PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
};

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

var command = args.Length > 0 ? args[0] : "help";
switch (command)
{
    case "suite":
        return await Suite.RunAsync(args, Arg, json);
    case "report":
    {
        var run = Suite.Summarise(JsonSerializer.Deserialize<RunFile>(File.ReadAllText(Arg("--in", "bench/results/latest.json")), json)!);
        var notes = Arg("--notes", "bench/BENCHMARKS.notes.md");
        File.WriteAllText(Arg("--out", "docs/BENCHMARKS.md"), Report.Markdown(run, File.Exists(notes) ? File.ReadAllText(notes) : ""));
        return 0;
    }
    case "hold":
    {
        // Holds an S3 load on a running server (for profiling): hold --port P --rooms 10 --rate DELIVERIES --seconds S
        // With --port P1,P2 (S5, two nodes of a cluster) the clients are split evenly and P1 broadcasts.
        var ports = Arg("--port", "3101").Split(',').Select(int.Parse).ToArray();
        var port = ports[0];
        var roomCount = int.Parse(Arg("--rooms", "10"));
        var rate = double.Parse(Arg("--rate", "200000"));
        var seconds = int.Parse(Arg("--seconds", "20"));
        var rooms = Enumerable.Range(0, roomCount).Select(i => "r" + i).ToArray();
        var conns = new List<WsConn>();
        var errors = 0;
        foreach (var p in ports)
        {
            var ep = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, p);
            var (more, err) = await Scenarios.ConnectManyAsync(ep, 1000 / ports.Length, 2000, i => "{\"room\":\"" + rooms[i % roomCount] + "\"}");
            conns.AddRange(more);
            errors += err;
        }

        Console.WriteLine($"connected {conns.Count} ({errors} errors)");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var hist = new Histogram();
        foreach (var c in conns)
        {
            c.TickLatency = hist;
        }

        var gen = SelfCpuWindow.Start();
        await http.GetStringAsync($"/bench/broadcast?rooms={string.Join(',', rooms)}&rate={rate / (1000 / roomCount)}&duration={seconds * 1000}&size=32");
        await Task.Delay(seconds * 1000 + 1000);
        var total = conns.Sum(c => c.Ticks);
        Console.WriteLine($"delivered {total} ({total / (double)seconds:0}/s) p50 {hist.Ms(0.5)} ms p99 {hist.Ms(0.99)} ms gen cpu {gen.Stop():P0}");
        return 0;
    }
    case "idle":
    {
        // Holds N idle clients on a running server (for heap inspection): idle --port P --clients N --seconds S
        var ep = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, int.Parse(Arg("--port", "3101")));
        var (conns, errors) = await Scenarios.ConnectManyAsync(ep, int.Parse(Arg("--clients", "1000")), 2000, _ => null);
        Console.WriteLine($"connected {conns.Count} ({errors} errors)");
        await Task.Delay(int.Parse(Arg("--seconds", "30")) * 1000);
        return 0;
    }
    default:
        Console.WriteLine("usage: LoadGen suite [--quick] [--out FILE] [--only S1,S2,S3,S4,S5] [--servers synapse,node,raw] [--repeats N] [--merge|--no-merge] [--root DIR]\n       LoadGen report --in FILE --out FILE [--notes FILE]\n       LoadGen hold --port P --rooms N --rate DELIVERIES_PER_S --seconds S");
        return 2;
}

static class Suite
{
    public static async Task<int> RunAsync(string[] args, Func<string, string, string> arg, JsonSerializerOptions json)
    {
        var quick = args.Contains("--quick");
        var root = Path.GetFullPath(arg("--root", "."));
        var outFile = arg("--out", Path.Combine(root, "bench/results/latest.json"));
        var cfg = new Config { Quick = quick };
        if (quick)
        {
            cfg.Repeats = 1;
            cfg.S1Sizes = [1000];
            cfg.S2Clients = [100];
            cfg.S2Rates = [2000];
            cfg.S2DurationMs = 3000;
            cfg.S2Max = false;
            cfg.S3Ladder = [];
            cfg.S3StepMs = 3000;
            cfg.S3WarmupMs = 5000;
            cfg.S4Connections = 1000;
            cfg.S4Rates = [1000];
            cfg.S4Modes = ["ws"];
            // S5 in --quick: one room layout at the fixed rate only (about 15 s per server).
            cfg.S5RoomCounts = [10];
            cfg.S5Ladder = [];
        }

        if (arg("--repeats", "") is { Length: > 0 } reps)
        {
            cfg.Repeats = int.Parse(reps);
        }

        var only = arg("--only", "");
        if (only.Length > 0)
        {
            cfg.Scenarios = only.Split(',');
        }

        var servers = new List<ServerSpec>
        {
            new("synapse", "dotnet", [Path.Combine(root, "bench/servers/synapse/bin/Release/net10.0/SynapseBench.dll"), "3101"], 3101, true,
                [Path.Combine(root, "bench/servers/synapse/bin/Release/net10.0/SynapseBench.dll"), "{port}", "{redis}"], 3111),
            new("node", "node", ["--expose-gc", Path.Combine(root, "bench/servers/node/server.js"), "3201", "ws"], 3201, true,
                ["--expose-gc", Path.Combine(root, "bench/servers/node/server.js"), "{port}", "ws", "redis://{redis}"], 3211),
        };
        if (Directory.Exists(Path.Combine(root, "bench/node/eiows/node_modules/eiows")))
        {
            servers.Add(new("node-eiows", "node", ["--expose-gc", Path.Combine(root, "bench/servers/node/server.js"), "3202", "eiows"], 3202, true));
        }

        servers.Add(new("raw", "dotnet", [Path.Combine(root, "bench/servers/raw/bin/Release/net10.0/RawBench.dll"), "3301"], 3301, false));
        var serverFilter = arg("--servers", "");
        if (serverFilter.Length > 0)
        {
            var keep = serverFilter.Split(',');
            // Opt-in only (--servers synapse-nospin): the Synapse host with the thread pool's spin-wait
            // off, the setting that matters when several .NET processes share a core (S5).
            servers.Add(new ServerSpec("synapse-nospin", "dotnet", [Path.Combine(root, "bench/servers/synapse/bin/Release/net10.0/SynapseBench.dll"), "3102"], 3102, true,
                [Path.Combine(root, "bench/servers/synapse/bin/Release/net10.0/SynapseBench.dll"), "{port}", "{redis}"], 3121)
            {
                Env = new() { ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0" },
            });
            // Opt-in only (--servers synapse-inline): socket completions run on the epoll thread and
            // Kestrel sends on the writer's thread (the host sets SocketTransportOptions.
            // UnsafePreferInlineScheduling when it sees this variable), so a delivery costs no
            // thread-pool hop at all. Unsafe for applications that block in handlers, hence not the default.
            servers.Add(new ServerSpec("synapse-inline", "dotnet", [Path.Combine(root, "bench/servers/synapse/bin/Release/net10.0/SynapseBench.dll"), "3103"], 3103, true,
                [Path.Combine(root, "bench/servers/synapse/bin/Release/net10.0/SynapseBench.dll"), "{port}", "{redis}"], 3131)
            {
                Env = new() { ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1" },
            });
            // Opt-in only (--servers synapse-nohandoff): WebSockets stay on Kestrel's upgrade stream
            // for their whole life, as without UseEngineIOWebSocketHandoff (the comparison for it).
            servers.Add(new ServerSpec("synapse-nohandoff", "dotnet", [Path.Combine(root, "bench/servers/synapse/bin/Release/net10.0/SynapseBench.dll"), "3104"], 3104, true,
                [Path.Combine(root, "bench/servers/synapse/bin/Release/net10.0/SynapseBench.dll"), "{port}", "{redis}"], 3141)
            {
                Env = new() { ["SYNAPSE_BENCH_HANDOFF"] = "0" },
            });
            servers = servers.Where(s => keep.Contains(s.Name)).ToList();
        }

        var run = new RunFile
        {
            Mode = quick ? "quick" : "full",
            Command = Environment.GetEnvironmentVariable("BENCH_COMMAND") ?? "bench/run" + (quick ? " --quick" : ""),
            Date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'"),
            Machine = Machine(),
            Settings = new()
            {
                ["repeats"] = cfg.Repeats.ToString(),
                ["servers"] = string.Join(", ", servers.Select(s => s.Name)),
                ["pinning"] = "server: taskset -c 0; generator: taskset -c 1; both at nice -20 (the machine may be shared)",
                ["server_settings"] = "perMessageDeflate off, pingInterval 25000 ms, pingTimeout 20000 ms, maxHttpBufferSize 1e6, logging off; .NET: Release, workstation GC",
                ["s1_sizes"] = string.Join(", ", cfg.S1Sizes),
                ["s2"] = $"clients {string.Join("/", cfg.S2Clients)}; rates {string.Join("/", cfg.S2Rates)} acks/s for {cfg.S2DurationMs} ms each, 32-char string payload; max: closed loop, 1000 echoes in flight",
                ["s3"] = $"{cfg.S3Clients} clients, rooms {string.Join(" and ", cfg.S3RoomCounts.Select(n => $"{n}x{cfg.S3Clients / n}"))}; warm-up {cfg.S3WarmupMs} ms at 20000/s, then the fixed rate {cfg.S3FixedRate:0} deliveries/s for {cfg.S3FixedMs} ms; ladder {(cfg.S3Ladder.Length == 0 ? "none" : string.Join("/", cfg.S3Ladder.Select(r => $"{r / 1000:0}k")))}; {cfg.S3StepMs} ms per step; payload [\"tick\", timestamp, 32 chars]; timestamps parsed on 1 in 8",
                ["s4"] = $"{cfg.S4Connections} connections at {string.Join("/", cfg.S4Rates)} per s, {string.Join(" and ", cfg.S4Modes)}; before each mode a warm-up of {cfg.S4WarmupConnections} at {cfg.S4WarmupRate:0}/s, not reported",
                ["s5"] = $"two nodes of the same server on one redis-server (a fresh one per run, free port, no persistence), Redis adapters with their defaults (classic pub/sub); {cfg.S5Clients} clients split evenly over the nodes, rooms {string.Join(" and ", cfg.S5RoomCounts.Select(n => $"{n}x{cfg.S5Clients / n}"))} (half of every room on each node); broadcasts driven on node 1; fixed rate {cfg.S3FixedRate:0} deliveries/s; ladder {(cfg.S5Ladder.Length == 0 ? "none" : string.Join("/", cfg.S5Ladder.Select(r => $"{r / 1000:0}k")))}; CPU summed over both nodes; pinning: both nodes and redis-server on core 0, generator on core 1",
            },
        };
        if (!cfg.Scenarios.Contains("S5"))
        {
            run.Settings.Remove("s5");
        }
        // --merge (the default with --only): the new runs replace, in the existing results file, the
        // runs of the same scenarios and servers; everything else in it is kept. Progress goes to
        // FILE.partial meanwhile, so an interrupted partial run leaves the results file as it was.
        var merge = (args.Contains("--merge") || only.Length > 0) && !args.Contains("--no-merge") && File.Exists(outFile);
        var progressFile = merge ? outFile + ".partial" : outFile;
        if (merge)
        {
            Console.WriteLine($"bench: partial run: merging into {outFile} at the end (--no-merge to overwrite it); progress in {progressFile}");
        }

        var logDir = Path.Combine(Path.GetDirectoryName(outFile)!, "logs");
        Console.WriteLine($"bench: {run.Mode} run, {cfg.Repeats} repeat(s), servers {run.Settings["servers"]}");
        var sw = Stopwatch.StartNew();
        var scenarios = new Scenarios(cfg, r =>
        {
            run.Runs.Add(r);
            Console.WriteLine($"  {r.Server,-10} {r.Scenario,-6} {r.Variant,-22} " + Summary(r));
        }, Console.WriteLine);

        for (var repeat = 1; repeat <= cfg.Repeats; repeat++)
        {
            foreach (var scenario in cfg.Scenarios)
            {
                // A/B alternation: every server runs each scenario in turn, within every repeat.
                foreach (var spec in servers)
                {
                    if (scenario == "S5" && spec.ClusterArgs is null)
                    {
                        continue; // this server has no Redis adapter (raw)
                    }

                    Console.WriteLine($"[{sw.Elapsed:mm\\:ss}] repeat {repeat}/{cfg.Repeats} {scenario} {spec.Name}");
                    try
                    {
                        if (scenario == "S5")
                        {
                            // Fresh Redis and two fresh nodes per run, all on core 0 (the generator has core 1 to itself).
                            await using var redis = await RedisProc.StartAsync(logDir, "0");
                            await using var node1 = await ServerProc.StartAsync(spec.ClusterNode(0, redis.Address), logDir, "0", spec.Name + "-node1");
                            await using var node2 = await ServerProc.StartAsync(spec.ClusterNode(1, redis.Address), logDir, "0", spec.Name + "-node2");
                            await scenarios.S5Async([node1, node2], redis, repeat);
                            continue;
                        }

                        await using var server = await ServerProc.StartAsync(spec, logDir, "0");
                        await (scenario switch
                        {
                            "S1" => scenarios.S1Async(server, repeat),
                            "S2" => scenarios.S2Async(server, repeat),
                            "S3" => scenarios.S3Async(server, repeat),
                            "S4" => scenarios.S4Async(server, repeat),
                            _ => Task.CompletedTask,
                        });
                    }
                    catch (Exception ex)
                    {
                        Console.WriteLine($"  {spec.Name} {scenario} failed: {ex.GetType().Name}: {ex.Message}");
                        run.Runs.Add(new Result { Server = spec.Name, Scenario = scenario, Variant = "run", Repeat = repeat, Errors = 1, Valid = false, Note = ex.Message });
                    }
                }

                await File.WriteAllTextAsync(progressFile, JsonSerializer.Serialize(Summarise(run), json));
            }
        }

        Summarise(run);
        Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
        if (merge)
        {
            run = Merge(JsonSerializer.Deserialize<RunFile>(File.ReadAllText(outFile), json)!, run, cfg.Scenarios, servers.Select(x => x.Name).ToArray());
            File.Delete(progressFile);
        }

        await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(run, json));
        Console.WriteLine($"bench: done in {sw.Elapsed:mm\\:ss}, wrote {outFile}");
        return 0;
    }

    /// <summary>
    /// <paramref name="base"/> with its runs of <paramref name="scenarios"/> (and their <c>cpu</c>/<c>max</c>
    /// variants) on <paramref name="servers"/> replaced by <paramref name="partial"/>'s, the new
    /// settings added, and a note of where the merged part came from.
    /// </summary>
    public static RunFile Merge(RunFile @base, RunFile partial, string[] scenarios, string[] servers)
    {
        static string Family(string scenario) => scenario.EndsWith("cpu", StringComparison.Ordinal) ? scenario[..^3] : scenario.EndsWith("max", StringComparison.Ordinal) ? scenario[..^3] : scenario;
        @base.Runs.RemoveAll(r => scenarios.Contains(Family(r.Scenario)) && servers.Contains(r.Server));
        @base.Runs.AddRange(partial.Runs);
        foreach (var (k, v) in partial.Settings)
        {
            if (k.Length == 2 && k[0] == 's' && scenarios.Contains("S" + k[1]))
            {
                @base.Settings[k] = v;
            }
        }

        @base.Settings[$"merged_{string.Join("_", scenarios).ToLowerInvariant()}_{string.Join("_", servers)}"] = $"{string.Join(", ", scenarios)} ({string.Join(", ", servers)}) from `{partial.Command}`, {partial.Date}, {partial.Settings["repeats"]} repeat(s)";
        foreach (var (k, v) in partial.Machine)
        {
            @base.Machine.TryAdd(k, v);
        }

        return Summarise(@base);
    }

    private static string Summary(Result r)
    {
        var parts = new List<string>();
        if (r.BytesPerConnection is { } b) parts.Add($"{b:0} B/conn (heap {r.HeapBytesPerConnection:0})");
        if (r.DeliveriesPerS is { } d) parts.Add($"{d:0} deliveries/s");
        if (r.CpuSPerMillion is { } c) parts.Add($"{c:0.###} cpu-s/M (core0 incl. softirq {r.CoreCpuSPerMillion:0.###}, softirq {r.SoftirqShare * 100:0}%{(r.RedisCpuSPerMillion is { } rc ? $", redis {rc:0.###}" : "")})");
        if (r.AcksPerS is { } a) parts.Add($"{a:0} acks/s");
        if (r.P50Ms is { } p) parts.Add($"p50 {p} p99 {r.P99Ms} p99.9 {r.P999Ms} ms");
        if (r.DeliveredRatio is { } q) parts.Add($"arrived {q * 100:0.###}%");
        if (r.ServerCpu is { } sc) parts.Add($"srv {sc:0.###}");
        parts.Add($"gen {r.GenCpu * 100:0}%");
        parts.Add($"err {r.Errors}");
        if (!r.Valid) parts.Add("INVALID");
        if (r.LoadAvg is { } la) parts.Add($"load {la}");
        if (r.Ladder is { } l) parts.Add(l);
        if (r.Note is { } n) parts.Add(n);
        return string.Join(", ", parts);
    }

    /// <summary>Medians over repeats, per server, scenario and variant (valid runs only when there are any).</summary>
    public static RunFile Summarise(RunFile run)
    {
        run.Results = run.Runs
            .GroupBy(r => (r.Server, r.Scenario, r.Variant))
            .Select(g =>
            {
                var valid = g.Where(r => r.Valid).ToList();
                // S3 ladders that ended on a generator or machine limit are lower bounds, not wrong:
                // they stay in the median so that picking only the lucky runs cannot bias it.
                var use = valid.Count > 0 && g.Key.Scenario is not ("S3" or "S5") ? valid : g.ToList();
                double? Med(Func<Result, double?> f)
                {
                    var xs = use.Select(f).Where(x => x is not null && !double.IsNaN(x.Value)).Select(x => x!.Value).OrderBy(x => x).ToList();
                    if (xs.Count == 0) return null;
                    return xs.Count % 2 == 1 ? xs[xs.Count / 2] : Math.Round((xs[(xs.Count / 2) - 1] + xs[xs.Count / 2]) / 2, 3);
                }

                Func<Result, double?> key = g.Key.Scenario switch
                {
                    "S1" => r => r.BytesPerConnection,
                    "S2max" => r => r.AcksPerS,
                    "S3" or "S5" => r => r.DeliveriesPerS,
                    "S3cpu" or "S5cpu" => r => r.CpuSPerMillion,
                    _ => r => r.P99Ms,
                };
                var keys = use.Select(key).Where(x => x is not null).Select(x => x!.Value).ToList();
                return new Result
                {
                    Nodes = g.First().Nodes,
                    RedisCpuSPerMillion = Med(r => r.RedisCpuSPerMillion),
                    Server = g.Key.Server,
                    Scenario = g.Key.Scenario,
                    Variant = g.Key.Variant,
                    Clients = (int)(Med(r => r.Clients) ?? 0),
                    Repeat = 0,
                    Rate = Med(r => r.Rate),
                    DeliveriesPerS = Med(r => r.DeliveriesPerS),
                    CpuSPerMillion = Med(r => r.CpuSPerMillion),
                    CoreCpuSPerMillion = Med(r => r.CoreCpuSPerMillion),
                    SoftirqShare = Med(r => r.SoftirqShare),
                    P50Ms = Med(r => r.P50Ms),
                    P99Ms = Med(r => r.P99Ms),
                    P999Ms = Med(r => r.P999Ms),
                    BytesPerConnection = Med(r => r.BytesPerConnection),
                    HeapBytesPerConnection = Med(r => r.HeapBytesPerConnection),
                    AcksPerS = Med(r => r.AcksPerS),
                    DeliveredRatio = Med(r => r.DeliveredRatio),
                    // Sustained when most repeats sustained the rate.
                    Sustained = use.Any(r => r.Sustained is not null) ? use.Count(r => r.Sustained == true) * 2 > use.Count(r => r.Sustained is not null) : null,
                    ServerCpu = Med(r => r.ServerCpu),
                    GenCpu = Med(r => r.GenCpu) ?? 0,
                    SchedLagP99Ms = Med(r => r.SchedLagP99Ms),
                    LoadAvg = use.Max(r => r.LoadAvg),
                    Errors = g.Sum(r => r.Errors),
                    Valid = valid.Count > 0,
                    Runs = g.Count(),
                    Min = keys.Count > 0 ? keys.Min() : null,
                    Max = keys.Count > 0 ? keys.Max() : null,
                    Note = valid.Count < g.Count() ? (g.Key.Scenario is "S3" or "S5" ? $"{g.Count() - valid.Count} of {g.Count()} ladders ended by the generator or a machine stall (lower bounds)" : $"{g.Count() - valid.Count} of {g.Count()} runs invalid (generator saturated or lagging)") : null,
                };
            })
            .ToList();
        return run;
    }

    private static Dictionary<string, string> Machine()
    {
        var m = new Dictionary<string, string>();
        try
        {
            var cpuinfo = File.ReadAllLines("/proc/cpuinfo");
            m["cpu"] = cpuinfo.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
            m["cores"] = cpuinfo.Count(l => l.StartsWith("processor", StringComparison.Ordinal)).ToString();
            m["nproc"] = Run("nproc", "--all");
            m["memory"] = File.ReadLines("/proc/meminfo").First().Split(':')[1].Trim();
            m["kernel"] = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
            m["os"] = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? "?";
        }
        catch (Exception)
        {
        }

        m["dotnet"] = Environment.Version.ToString();
        m["node"] = Run("node", "--version");
        m["socket.io"] = Run("node", "-p", "require('./bench/node/node_modules/socket.io/package.json').version");
        m["@socket.io/redis-adapter"] = Run("node", "-p", "require('./bench/node/node_modules/@socket.io/redis-adapter/package.json').version");
        m["redis (npm)"] = Run("node", "-p", "require('./bench/node/node_modules/redis/package.json').version");
        m["redis-server"] = RedisProc.Version() ?? "?";
        return m;
    }

    private static string Run(string exe, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return output;
        }
        catch (Exception)
        {
            return "?";
        }
    }
}
