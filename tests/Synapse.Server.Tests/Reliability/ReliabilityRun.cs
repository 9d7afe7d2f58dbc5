using System.Reflection;
using System.Text.Json;
using Xunit.Abstractions;

namespace Synapse.Server.Tests.Reliability;

/// <summary>
/// Runs the harness behind <c>scripts/soak</c> and <c>scripts/chaos</c>
/// (<c>tests/interop/reliability/run.mjs</c>) against the server this test project was built with,
/// in its own process, and returns the run's summary (the <c>RESULT</c> line).
/// </summary>
public static class ReliabilityRun
{
    /// <summary>The Synapse server assembly built alongside the tests (same configuration).</summary>
    public static string ServerDll
    {
        get
        {
            var configuration = typeof(ReliabilityRun).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
            return RepoRoot.Combine("src", "Synapse.Server", "bin", configuration, framework, "Synapse.Server.dll");
        }
    }

    /// <summary>Runs the harness with <paramref name="args"/>; writes its report to <paramref name="output"/>.</summary>
    public static async Task<(int ExitCode, JsonElement Summary)> RunAsync(ITestOutputHelper output, TimeSpan timeout, params string[] args)
    {
        Assert.True(File.Exists(ServerDll), $"{ServerDll} is not built.");
        var result = await NodeScript.RunAsync("reliability/run.mjs", ["--server-dll", ServerDll, .. args], timeout: timeout);
        var lines = result.StandardOutput.Split('\n');
        foreach (var line in lines.Where(l => !l.StartsWith("RESULT ", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        if (result.StandardError.Length > 0)
        {
            output.WriteLine("stderr:\n" + result.StandardError);
        }

        var summary = lines.LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        Assert.True(summary is not null, $"The harness printed no RESULT line (exit code {result.ExitCode}).\n{result.StandardOutput}\n{result.StandardError}");
        return (result.ExitCode, JsonDocument.Parse(summary["RESULT ".Length..]).RootElement.Clone());
    }

    /// <summary>The run's violations, one per line, for assertion messages.</summary>
    public static string Violations(JsonElement summary)
    {
        var lines = summary.TryGetProperty("violations", out var v) ? v.EnumerateArray().Select(e => e.GetString()) : [];
        var setup = summary.TryGetProperty("setupError", out var s) ? $"setup error: {s.GetString()}\n" : string.Empty;
        return setup + string.Join('\n', lines);
    }

    /// <summary>A counter of the clients' statistics.</summary>
    public static long Stat(JsonElement summary, string name) => summary.GetProperty("stats").GetProperty(name).GetInt64();
}
