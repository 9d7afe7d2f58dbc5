using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LoadGen;

/// <summary>
/// A redis-server (Debian's package) for S5, on a free loopback port, pinned with the server nodes
/// (core 0), without persistence; killed when disposed.
/// </summary>
public sealed class RedisProc : IAsyncDisposable
{
    private readonly Process _process;

    private RedisProc(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>host:port, as both adapters' peers take it.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public int Pid => _process.Id;

    public double CpuSeconds => ProcStat.CpuSeconds(Pid);

    public static string? Version()
    {
        try
        {
            var psi = new ProcessStartInfo("redis-server", ["--version"]) { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            // "Redis server v=7.0.15 sha=... malloc=jemalloc-5.3.0 bits=64 build=..."
            return text.Split(' ').FirstOrDefault(w => w.StartsWith("v=", StringComparison.Ordinal))?[2..];
        }
        catch (Exception)
        {
            return null;
        }
    }

    public static async Task<RedisProc> StartAsync(string logDir, string cores)
    {
        Directory.CreateDirectory(logDir);
        var port = FreePort();
        // exec: the process we hold is redis-server itself (its pid is the one whose CPU is read).
        var psi = new ProcessStartInfo("bash",
        [
            "-c",
            $"exec nice -n {ServerProc.Nice} taskset -c {cores} redis-server --port {port} --bind 127.0.0.1 --save '' --appendonly no " +
            $"--protected-mode no --daemonize no --loglevel warning >>'{Path.Combine(logDir, "redis.log")}' 2>&1",
        ])
        { UseShellExecute = false };
        var redis = new RedisProc(Process.Start(psi)!, port);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                var n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
                if (Encoding.ASCII.GetString(buffer, 0, n).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return redis;
                }
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !redis._process.HasExited)
            {
            }

            if (redis._process.HasExited || DateTime.UtcNow >= deadline)
            {
                await redis.DisposeAsync();
                throw new InvalidOperationException("redis-server did not start (is the redis-server package installed? see bench/results/logs/redis.log)");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A port the kernel hands out now; free again by the time redis-server binds it (a race we accept).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessStop.KillAndDisposeAsync(_process);
    }
}
