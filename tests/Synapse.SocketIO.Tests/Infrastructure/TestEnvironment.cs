using System.Runtime.CompilerServices;

namespace Synapse.SocketIO.Tests.Infrastructure;

/// <summary>Process-wide settings for the test assembly, applied before any test runs.</summary>
internal static class TestEnvironment
{
    /// <summary>
    /// The servers under test share this process with the test platform, whose host blocks
    /// thread-pool threads for long stretches. With the default minimum (one thread per core; two
    /// on a small CI machine) the pool then waits ~0.5 s before adding a thread, which delays
    /// the servers' timers and I/O callbacks and makes heartbeat timing meaningless. A production
    /// server owns its process and does not see this.
    /// </summary>
#pragma warning disable CA2255 // ModuleInitializer in a test assembly is intended.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        var wanted = Math.Max(32, Environment.ProcessorCount * 4);
        ThreadPool.SetMinThreads(Math.Max(workers, wanted), Math.Max(io, wanted));
    }
}
