using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace LoadGen;

/// <summary>
/// A bench server: how to start it (pinned to core 0) and what it supports. <paramref name="ClusterArgs"/>,
/// when the server can join a Redis cluster (S5), are its arguments with <c>{port}</c> and
/// <c>{redis}</c> (host:port) to fill in; its nodes listen on <paramref name="ClusterPort"/> and the next port.
/// </summary>
public sealed record ServerSpec(string Name, string Exe, string[] Args, int Port, bool Polling, string[]? ClusterArgs = null, int ClusterPort = 0)
{
    /// <summary>Extra environment variables of the server process.</summary>
    public Dictionary<string, string>? Env { get; init; }

    /// <summary>Node <paramref name="index"/> (0-based) of a two-node cluster on the Redis at <paramref name="redis"/>.</summary>
    public ServerSpec ClusterNode(int index, string redis) =>
        this with { Port = ClusterPort + index, Args = ClusterArgs!.Select(a => a.Replace("{port}", (ClusterPort + index).ToString()).Replace("{redis}", redis)).ToArray() };
}

/// <summary>A running bench server and its control endpoint (/bench/...).</summary>
public sealed class ServerProc : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;

    private ServerProc(ServerSpec spec, Process process)
    {
        Spec = spec;
        _process = process;
        Endpoint = new IPEndPoint(IPAddress.Loopback, spec.Port);
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{spec.Port}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public ServerSpec Spec { get; }

    public IPEndPoint Endpoint { get; }

    public int Pid { get; private set; }

    public double CpuSeconds => ProcStat.CpuSeconds(Pid);

    public long Rss => ProcStat.RssBytes(Pid);

    /// <summary>The machine may be shared: servers and generator run at nice -20 so other work on the cores barely disturbs them.</summary>
    public static string Nice => Environment.GetEnvironmentVariable("BENCH_NICE") ?? "-20";

    public static async Task<ServerProc> StartAsync(ServerSpec spec, string logDir, string serverCores, string? logName = null)
    {
        Directory.CreateDirectory(logDir);
        var log = Path.Combine(logDir, (logName ?? spec.Name) + ".log");
        var command = $"exec nice -n {Nice} taskset -c {serverCores} {Quote(spec.Exe)} {string.Join(' ', spec.Args.Select(Quote))} >>{Quote(log)} 2>&1";
        var psi = new ProcessStartInfo("bash", ["-c", command]) { UseShellExecute = false };
        psi.Environment["DOTNET_gcServer"] = "0";
        foreach (var (k, v) in spec.Env ?? [])
        {
            psi.Environment[k] = v;
        }
        if (Environment.GetEnvironmentVariable("BENCH_PERF_MAP") == "1")
        {
            psi.Environment["DOTNET_PerfMapEnabled"] = "1";
        }

        var server = new ServerProc(spec, Process.Start(psi)!);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var (pid, _, _) = await server.StatsAsync(false);
                server.Pid = pid;
                return server;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !server._process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    public async Task<(int Pid, int Clients, long Heap)> StatsAsync(bool gc)
    {
        var text = await _http.GetStringAsync(gc ? "/bench/stats?gc=1" : "/bench/stats");
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        return (root.GetProperty("pid").GetInt32(), root.GetProperty("clients").GetInt32(), (long)root.GetProperty("heap").GetDouble());
    }

    /// <summary>The server's total GC pause time so far, in ms, where it reports one (the .NET servers).</summary>
    public async Task<double?> GcPauseMsAsync() => (await GcStatsAsync()).PauseMs;

    /// <summary>The server's total GC pause time (ms) and collections per generation so far, where it reports them.</summary>
    public async Task<(double? PauseMs, int[]? Counts)> GcStatsAsync()
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync("/bench/stats"));
        var root = doc.RootElement;
        double? pause = root.TryGetProperty("gcPauseMs", out var v) ? v.GetDouble() : null;
        int[]? counts = root.TryGetProperty("gcCounts", out var c) ? c.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;
        return (pause, counts);
    }

    public async Task StartBroadcastAsync(string[] rooms, double rate, int durationMs, int size)
    {
        var text = await _http.GetStringAsync(string.Create(CultureInfo.InvariantCulture, $"/bench/broadcast?rooms={string.Join(',', rooms)}&rate={rate}&duration={durationMs}&size={size}"));
        if (!text.Contains("true", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("broadcast driver busy");
        }
    }

    public async Task<(bool Running, long Sent)> BroadcastStatusAsync()
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync("/bench/broadcast/status"));
        return (doc.RootElement.GetProperty("running").GetBoolean(), doc.RootElement.GetProperty("sent").GetInt64());
    }

    /// <summary>Waits until the server counts at most <paramref name="clients"/> connections.</summary>
    public async Task WaitClientsAtMostAsync(int clients, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if ((await StatsAsync(false)).Clients <= clients)
            {
                return;
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await ProcessStop.KillAndDisposeAsync(_process);
        // Let the kernel release the port and sockets before the next server binds.
        await Task.Delay(300);
    }
}
