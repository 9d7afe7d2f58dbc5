using System.Diagnostics;

namespace Synapse.SocketIO.Fuzz.Fuzzing;

/// <summary>
/// The last resort against a true hang (an input that never returns, so the runner cannot time it):
/// a background thread that, once the current input has run for 10x its target's time bound (at
/// least 30 s), prints the input and ends the process.
/// </summary>
internal static class Watchdog
{
    private static readonly object Gate = new();
    private static FuzzTarget? s_target;
    private static byte[]? s_input;
    private static long s_started;
    private static Thread? s_thread;

    public static void Begin(FuzzTarget target, byte[] input)
    {
        lock (Gate)
        {
            s_target = target;
            s_input = input;
            s_started = Stopwatch.GetTimestamp();
            if (s_thread is null)
            {
                s_thread = new Thread(Watch) { IsBackground = true, Name = "fuzz watchdog" };
                s_thread.Start();
            }
        }
    }

    public static void End()
    {
        lock (Gate)
        {
            s_target = null;
            s_input = null;
        }
    }

    private static void Watch()
    {
        while (true)
        {
            Thread.Sleep(1000);
            lock (Gate)
            {
                if (s_target is not { } target || s_input is not { } input)
                {
                    continue;
                }

                var limit = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, target.TimeBound.Ticks * 10));
                if (Stopwatch.GetElapsedTime(s_started) < limit)
                {
                    continue;
                }

                Console.Error.WriteLine($"HANG [{target.Name}]: one input ran for more than {limit.TotalSeconds:F0} s; ending the process.");
                Console.Error.WriteLine($"  input ({input.Length} bytes) base64: {Convert.ToBase64String(input)}");
                Console.Error.WriteLine($"  replay: scripts/fuzz {target.Name} --input {Convert.ToBase64String(input)}");
                Console.Error.Flush();
                Environment.Exit(3);
            }
        }
    }
}
