using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Synapse.SocketIO.Tests.Infrastructure;

/// <summary>What a finished <see cref="NodeScript"/> left behind.</summary>
/// <param name="ExitCode">The process exit code (-1 when it was killed on timeout).</param>
/// <param name="StandardOutput">Everything written to stdout.</param>
/// <param name="StandardError">Everything written to stderr.</param>
/// <param name="Messages">The stdout lines that parsed as JSON, in order.</param>
public sealed record NodeScriptResult(int ExitCode, string StandardOutput, string StandardError, IReadOnlyList<JsonElement> Messages);

/// <summary>
/// Runs <c>node tests/interop/&lt;script&gt;</c> with a hard deadline (the process tree is killed when it
/// expires) and captures its output. Two ways to use it:
/// <list type="bullet">
/// <item><see cref="RunAsync"/>: run to completion, get exit code, stdout, stderr and the JSON lines printed.</item>
/// <item><see cref="Start"/>: talk to it: every stdout line that is JSON becomes a message
/// (<see cref="ReadAsync"/>, <see cref="WaitForAsync"/>, <see cref="WaitForEventAsync"/>), and
/// <see cref="SendAsync"/> writes one JSON line to its stdin.</item>
/// </list>
/// The packages must be installed (<c>npm ci</c> in tests/interop; <c>scripts/test</c> does it).
/// </summary>
public sealed class NodeScript : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Channel<JsonElement> _messages = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _allMessages = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenRegistration _killOnDeadline;
    private volatile bool _timedOut;

    private NodeScript(Process process, TimeSpan timeout)
    {
        _process = process;
        _stdoutPump = PumpStdoutAsync();
        _stderrPump = PumpStderrAsync();
        _deadline = new CancellationTokenSource(timeout);
        _killOnDeadline = _deadline.Token.Register(() =>
        {
            _timedOut = true;
            Kill();
        });
        Name = Path.GetFileName(process.StartInfo.ArgumentList[0]);
    }

    /// <summary>The default hard deadline of a script.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>tests/interop, where the scripts and their package.json live.</summary>
    public static string InteropDirectory => RepoRoot.Combine("tests", "interop");

    /// <summary>The script's file name.</summary>
    public string Name { get; }

    /// <summary>The process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Whether the hard deadline expired and the process was killed.</summary>
    public bool TimedOut => _timedOut;

    /// <summary>stdout so far.</summary>
    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>stderr so far.</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="script"/> (a file name in tests/interop, e.g. <c>engine-client.mjs</c>) with
    /// the given arguments and extra environment variables; it is killed when <paramref name="timeout"/>
    /// (default 30 s) expires or when this object is disposed.
    /// </summary>
    public static NodeScript Start(string script, IEnumerable<string>? args = null, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var directory = InteropDirectory;
        var path = Path.Combine(directory, script);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No interop script {path}.", path);
        }

        if (!Directory.Exists(Path.Combine(directory, "node_modules")))
        {
            throw new InvalidOperationException($"{directory}/node_modules is missing: run scripts/test, or `npm ci` in tests/interop.");
        }

        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(path);
        foreach (var arg in args ?? [])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start node.");
        return new NodeScript(process, timeout ?? DefaultTimeout);
    }

    /// <summary>Runs a script to completion. Throws <see cref="TimeoutException"/> (after killing it) if the deadline expires.</summary>
    public static async Task<NodeScriptResult> RunAsync(string script, IEnumerable<string>? args = null, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        await using var node = Start(script, args, environment, timeout);
        node.CloseInput();
        return await node.WaitForExitAsync();
    }

    /// <summary>Writes <paramref name="message"/> as one JSON line to the script's stdin.</summary>
    public Task SendAsync(object message)
    {
        var line = message as string ?? JsonSerializer.Serialize(message);
        // Synchronous on purpose (see RunPump): a short write to a pipe.
        lock (_process)
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
        }

        return Task.CompletedTask;
    }

    /// <summary>Closes the script's stdin (scripts treat that as "finish").</summary>
    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The next JSON line the script printed; fails with the script's stderr if none arrives in time.</summary>
    public async Task<JsonElement> ReadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait.Default);
        try
        {
            return await _messages.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name}: no message within {(timeout ?? Wait.Default).TotalMilliseconds} ms.{Describe()}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"{Name} exited (code {ExitCodeOrNull()}) before printing the expected message.{Describe()}");
        }
    }

    /// <summary>Skips messages until one matches <paramref name="predicate"/>; returns it.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> predicate, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? Wait.Default).TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{Name}: {what ?? "expected message"} not seen within {(timeout ?? Wait.Default).TotalMilliseconds} ms.{Describe()}");
            }

            JsonElement message;
            try
            {
                message = await ReadAsync(left);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{Name}: {what ?? "expected message"} not seen within {(timeout ?? Wait.Default).TotalMilliseconds} ms.{Describe()}");
            }

            if (predicate(message))
            {
                return message;
            }
        }
    }

    /// <summary>Skips messages until one whose <c>event</c> property is <paramref name="eventName"/>.</summary>
    public Task<JsonElement> WaitForEventAsync(string eventName, TimeSpan? timeout = null) =>
        WaitForAsync(
            m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String && e.GetString() == eventName,
            timeout,
            $"event '{eventName}'");

    /// <summary>Every JSON message printed so far (including those already read).</summary>
    public IReadOnlyList<JsonElement> Messages
    {
        get
        {
            lock (_allMessages)
            {
                return _allMessages.ToArray();
            }
        }
    }

    /// <summary>Waits for the process to exit (bounded by the script's deadline) and returns what it printed.</summary>
    public async Task<NodeScriptResult> WaitForExitAsync()
    {
        try
        {
            await _process.WaitForExitAsync(_deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync();
        }

        await Task.WhenAll(_stdoutPump, _stderrPump);
        if (_timedOut)
        {
            throw new TimeoutException($"{Name} was killed at its deadline.{Describe()}");
        }

        return new NodeScriptResult(_process.ExitCode, StandardOutput, StandardError, Messages);
    }

    /// <summary>Kills the process tree if it still runs.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        CloseInput();
        Kill();
        await _process.WaitForExitAsync();
        await Task.WhenAll(_stdoutPump, _stderrPump);
        await _killOnDeadline.DisposeAsync();
        _deadline.Dispose();
        _process.Dispose();
    }

    /// <summary>stdout/stderr appended to failure messages.</summary>
    public string Describe() => $"\n--- {Name} stdout ---\n{StandardOutput}\n--- {Name} stderr ---\n{StandardError}";

    private string ExitCodeOrNull() => _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";

    // The pumps run on dedicated threads with blocking reads: on Unix, "async" reads of a process's
    // pipes block a thread-pool thread each, and two of them starve a 2-core machine's pool long
    // enough (~0.5 s) to delay the server's timers under test.
    private static Task RunPump(string name, Action pump)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                pump();
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    private Task PumpStdoutAsync() => RunPump("node stdout", () =>
    {
        var reader = _process.StandardOutput;
        try
        {
            while (reader.ReadLine() is { } line)
            {
                lock (_stdout)
                {
                    _stdout.AppendLine(line);
                }

                var trimmed = line.TrimStart();
                if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
                {
                    JsonElement message;
                    try
                    {
                        using var document = JsonDocument.Parse(trimmed);
                        message = document.RootElement.Clone();
                    }
                    catch (JsonException)
                    {
                        continue;
                    }

                    lock (_allMessages)
                    {
                        _allMessages.Add(message);
                    }

                    _messages.Writer.TryWrite(message);
                }
            }
        }
        finally
        {
            _messages.Writer.TryComplete();
        }
    });

    private Task PumpStderrAsync() => RunPump("node stderr", () =>
    {
        var reader = _process.StandardError;
        while (reader.ReadLine() is { } line)
        {
            lock (_stderr)
            {
                _stderr.AppendLine(line);
            }
        }
    });
}
