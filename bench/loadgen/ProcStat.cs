namespace LoadGen;

/// <summary>CPU seconds and memory of a process from /proc.</summary>
public static class ProcStat
{
    private const double TicksPerSecond = 100.0; // USER_HZ on Linux

    /// <summary>utime + stime of every thread of the process, in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name may hold spaces: fields are counted after the closing parenthesis.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // rest[0] is field 3 (state): utime is field 14, stime field 15.
            return (long.Parse(rest[11]) + long.Parse(rest[12])) / TicksPerSecond;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    public static double SelfCpuSeconds() => CpuSeconds(Environment.ProcessId);

    /// <summary>Resident set size in bytes (VmRSS).</summary>
    public static long RssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0]) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return -1;
    }

    public static bool Alive(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>
    /// Busy seconds of one core from /proc/stat (user+nice+system+irq+softirq). On loopback, the
    /// receive path of every packet a server sends runs in softirq on the server's core and is not
    /// charged to the process: this counts it (and anything else that ran on the core).
    /// </summary>
    public static (double Busy, double SoftIrq) CoreSeconds(int core)
    {
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (line.StartsWith($"cpu{core} ", StringComparison.Ordinal))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                long F(int i) => long.Parse(f[i]);
                return ((F(1) + F(2) + F(3) + F(6) + F(7)) / TicksPerSecond, F(7) / TicksPerSecond);
            }
        }

        return (double.NaN, double.NaN);
    }
}

/// <summary>Measures the generator's own CPU use over a window: above 90% of its core, a run is invalid.</summary>
public readonly struct SelfCpuWindow
{
    private readonly double _cpu0;
    private readonly long _t0;

    private SelfCpuWindow(double cpu, long t)
    {
        _cpu0 = cpu;
        _t0 = t;
    }

    public static SelfCpuWindow Start() => new(ProcStat.SelfCpuSeconds(), Clock.NowUs());

    /// <summary>Fraction of one core used since Start.</summary>
    public double Stop()
    {
        var wall = (Clock.NowUs() - _t0) / 1e6;
        return wall <= 0 ? 0 : Math.Round((ProcStat.SelfCpuSeconds() - _cpu0) / wall, 3);
    }
}
