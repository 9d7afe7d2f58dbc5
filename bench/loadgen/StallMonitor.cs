namespace LoadGen;

/// <summary>
/// Watches the generator itself: a thread that sleeps 1 ms at a time and records how late it wakes.
/// A long stall (GC, the core taken by another process) delays every frame the generator reads and
/// shows up as latency that is not the server's: steps report it, and the report marks them.
/// </summary>
public static class StallMonitor
{
    private static long _maxLateUs;
    private static long _gcPauseTicks0;

    static StallMonitor()
    {
        new Thread(() =>
        {
            while (true)
            {
                var t0 = Clock.NowUs();
                Thread.Sleep(1);
                var late = Clock.NowUs() - t0 - 1000;
                long max;
                while (late > (max = Interlocked.Read(ref _maxLateUs)) && Interlocked.CompareExchange(ref _maxLateUs, late, max) != max)
                {
                }
            }
        }) { IsBackground = true, Priority = ThreadPriority.Highest, Name = "stall-monitor" }.Start();
    }

    public static void Reset()
    {
        Interlocked.Exchange(ref _maxLateUs, 0);
        _gcPauseTicks0 = GC.GetTotalPauseDuration().Ticks;
    }

    /// <summary>Longest oversleep since Reset, and the generator's GC pause time, in ms.</summary>
    public static (double MaxStallMs, double GcPauseMs) Read() =>
        (Math.Round(Interlocked.Read(ref _maxLateUs) / 1000.0, 1), Math.Round((GC.GetTotalPauseDuration().Ticks - _gcPauseTicks0) / 10_000.0, 1));
}
