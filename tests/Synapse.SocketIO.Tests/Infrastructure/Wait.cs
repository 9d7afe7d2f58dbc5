using System.Diagnostics;

namespace Synapse.SocketIO.Tests.Infrastructure;

/// <summary>Bounded waiting: every wait in the tests has a deadline, nothing sleeps blindly.</summary>
public static class Wait
{
    /// <summary>The default deadline for something that should happen "at once" on loopback.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(5);

    /// <summary>Polls <paramref name="condition"/> every few milliseconds until it holds; fails the test on expiry.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? Default).TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                Assert.Fail($"Condition not met within {(timeout ?? Default).TotalMilliseconds} ms{(because is null ? "" : ": " + because)}.");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="timeout"/> (default 5 s); fails the test on expiry.</summary>
    public static async Task<T> WithTimeout<T>(this Task<T> task, TimeSpan? timeout = null, string? what = null)
    {
        try
        {
            return await task.WaitAsync(timeout ?? Default);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what ?? "Operation"} did not complete within {(timeout ?? Default).TotalMilliseconds} ms.");
        }
    }

    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="timeout"/> (default 5 s); fails the test on expiry.</summary>
    public static async Task WithTimeout(this Task task, TimeSpan? timeout = null, string? what = null)
    {
        try
        {
            await task.WaitAsync(timeout ?? Default);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what ?? "Operation"} did not complete within {(timeout ?? Default).TotalMilliseconds} ms.");
        }
    }

    /// <summary>True if <paramref name="task"/> completes within <paramref name="window"/>; for asserting something does NOT happen.</summary>
    public static async Task<bool> CompletesWithin(this Task task, TimeSpan window)
    {
        var winner = await Task.WhenAny(task, Task.Delay(window));
        return winner == task;
    }

    /// <summary>Milliseconds elapsed between two <see cref="Stopwatch.GetTimestamp"/> values.</summary>
    public static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
