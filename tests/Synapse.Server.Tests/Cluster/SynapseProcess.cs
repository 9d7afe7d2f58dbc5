using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Synapse.Server.Tests.Cluster;

/// <summary>
/// A Synapse node in a process of its own (<c>dotnet Synapse.Server.dll</c> from the test's
/// output folder) on an ephemeral port, so that a test can kill it as a crash would: no
/// shutdown, no clean-up.
/// </summary>
public sealed partial class SynapseProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private readonly string _dataDirectory;
    private readonly bool _ownsDataDirectory;

    private SynapseProcess(Process process, string dataDirectory, bool ownsDataDirectory)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
    }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>
    /// Starts the node and waits until it listens. Without <paramref name="dataDirectory"/> it gets a
    /// temporary data folder on the command line, deleted on dispose; with one, the folder is given
    /// as the environment variable <c>Synapse__DataDirectory</c> (as an operator would) and kept.
    /// </summary>
    public static async Task<SynapseProcess> StartAsync(IReadOnlyDictionary<string, string> settings, string? dataDirectory = null)
    {
        var ownsDataDirectory = dataDirectory is null;
        dataDirectory ??= Infrastructure.SynapseServer.NewDataDirectory();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Synapse.Server.dll"));
        var values = new Dictionary<string, string>(settings)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Synapse:Auth:PasswordHashIterations"] = "1000",
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:Console:FormatterName"] = "simple",
        };
        if (ownsDataDirectory)
        {
            values["Synapse:DataDirectory"] = dataDirectory;
        }
        else
        {
            info.Environment["Synapse__DataDirectory"] = dataDirectory;
        }

        foreach (var (key, value) in values)
        {
            info.ArgumentList.Add($"--{key}={value}");
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var node = new SynapseProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start."), dataDirectory, ownsDataDirectory);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (node._output)
            {
                node._output.Add(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
        }

        node._process.OutputDataReceived += (_, e) => OnLine(e.Data);
        node._process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        try
        {
            node.BaseUri = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            await node.DisposeAsync();
            throw new TimeoutException($"The Synapse process did not start listening:\n{node.Output}");
        }

        return node;
    }

    /// <summary>What the process printed.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join("\n", _output);
            }
        }
    }

    /// <summary>Kills the process (SIGKILL): its sockets drop, nothing is cleaned up.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// Stops the process as Ctrl+C in a terminal does (SIGINT) and returns its exit code once it has
    /// stopped. A process launched from a non-interactive shell's background job inherits SIGINT
    /// ignored (POSIX), and then gets SIGTERM, which the .NET host handles the same way.
    /// </summary>
    public async Task<int> InterruptAsync()
    {
        Signal(IgnoresSigint() ? "TERM" : "INT");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The Synapse process did not stop after SIGINT:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Freezes the process (SIGSTOP), as a long stall or a network partition would; <see cref="Resume"/> thaws it.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>Lets a paused process run again (SIGCONT).</summary>
    public void Resume() => Signal("CONT");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        if (!_ownsDataDirectory)
        {
            return;
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private bool IgnoresSigint()
    {
        var status = $"/proc/{_process.Id}/status";
        var ignored = File.Exists(status) ? File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) : null;
        return ignored is not null && (Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    [GeneratedRegex(@"Synapse listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
