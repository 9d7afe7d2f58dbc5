using System.Diagnostics;

namespace LoadGen;

/// <summary>How the harness ends the processes it started (servers, redis-server).</summary>
public static class ProcessStop
{
    /// <summary>Kills the process tree and waits up to 10 s for it; a process already gone is fine.</summary>
    public static async Task KillAndDisposeAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // Exited meanwhile, or stuck past the wait: nothing more the harness can do.
        }

        process.Dispose();
    }
}
