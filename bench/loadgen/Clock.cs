using System.Diagnostics;

namespace LoadGen;

/// <summary>
/// Monotonic microseconds. On Linux, Stopwatch reads CLOCK_MONOTONIC, as Node's process.hrtime
/// does, so timestamps stamped by any bench server on this machine compare directly.
/// </summary>
public static class Clock
{
    private static readonly double UsPerTick = 1_000_000.0 / Stopwatch.Frequency;

    public static long NowUs() => (long)(Stopwatch.GetTimestamp() * UsPerTick);
}
