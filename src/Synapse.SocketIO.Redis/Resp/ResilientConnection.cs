using Microsoft.Extensions.Logging;

namespace Synapse.SocketIO.Redis.Resp;

/// <summary>
/// Keeps one <see cref="RespConnection"/> open: connects in the background, and after a failure
/// reconnects with exponential backoff (with jitter) until disposed. A PING every
/// <see cref="RedisClientOptions.HealthCheckInterval"/> detects connections that died silently.
/// </summary>
internal abstract partial class ResilientConnection : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _sync = new();
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RespConnection? _current;
    private RespConnection? _opened;
    private Task? _loop;
    private long _connections;

    protected ResilientConnection(RedisClientOptions options, ILogger logger, string role)
    {
        DisposedToken = _disposed.Token;
        Options = options;
        Logger = logger;
        Role = role;
    }

    /// <summary>Raised with true once connected (and, for a subscriber, resubscribed), false when the connection is lost.</summary>
    public event Action<bool>? ConnectionChanged;

    public RedisClientOptions Options { get; }

    /// <summary>"publisher" or "subscriber", for logs.</summary>
    public string Role { get; }

    public bool IsConnected => _current is { IsOpen: true } && _connected.Task.IsCompletedSuccessfully;

    /// <summary>How many times a connection was established (1 after the first connection).</summary>
    public long ConnectionCount => Interlocked.Read(ref _connections);

    protected ILogger Logger { get; }

    protected CancellationToken DisposedToken { get; }

    /// <summary>Starts connecting (in the background). Idempotent.</summary>
    public void Start()
    {
        lock (_sync)
        {
            _loop ??= Task.Run(RunAsync);
        }
    }

    /// <summary>Waits until connected; fails with <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Start();
        var deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        while (true)
        {
            Task connected;
            lock (_sync)
            {
                connected = _connected.Task;
            }

            var remaining = System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), deadline);
            try
            {
                if (remaining <= TimeSpan.Zero && !IsConnected)
                {
                    throw new TimeoutException();
                }

                await connected.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"Redis ({Options.Endpoint}) is unreachable: no {Role} connection within {timeout.TotalMilliseconds:0} ms.");
            }

            if (IsConnected)
            {
                return;
            }

            // The connection this task announced has already dropped and the run loop has not yet
            // replaced the task: wait for the next connection rather than report one that is gone.
            await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        _current?.Abort(new ObjectDisposedException(GetType().Name));
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (_current is not null)
        {
            await _current.DisposeAsync();
        }

        _disposed.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The open connection, or an exception saying Redis is unreachable.</summary>
    protected RespConnection GetConnection()
    {
        var current = _current;
        if (current is { IsOpen: true } && _connected.Task.IsCompletedSuccessfully)
        {
            return current;
        }

        throw new RedisConnectionException($"Redis ({Options.Endpoint}) is unreachable: the {Role} connection is down.", current?.Failure);
    }

    /// <summary>
    /// The newest open connection, also while <see cref="OnConnectedAsync"/> still prepares it
    /// (before it is announced), or null.
    /// </summary>
    protected RespConnection? OpenedConnection => Volatile.Read(ref _opened) is { IsOpen: true } opened ? opened : null;

    /// <summary>The handler of pub/sub pushes (subscriber connections), or null.</summary>
    protected virtual Func<RespPush, ValueTask>? PushHandler => null;

    /// <summary>Runs on every new connection before it is announced (resubscribing, for example).</summary>
    protected virtual Task OnConnectedAsync(RespConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task RunAsync()
    {
        var attempt = 0;
        var token = DisposedToken;
        while (!token.IsCancellationRequested)
        {
            RespConnection? connection = null;
            try
            {
                connection = await RespConnection.ConnectAsync(Options.Endpoint, PushHandler, token, Options.MaxMessageSize);
                Volatile.Write(ref _opened, connection);
                await OnConnectedAsync(connection, token).WaitAsync(Options.CommandTimeout, token);
                _current = connection;
                attempt = 0;
                var count = Interlocked.Increment(ref _connections);
                if (count > 1)
                {
                    Log.Reconnected(Logger, Role, Options.Endpoint.ToString());
                }
                else
                {
                    Log.Connected(Logger, Role, Options.Endpoint.ToString());
                }

                lock (_sync)
                {
                    _connected.TrySetResult();
                }

                ConnectionChanged?.Invoke(true);
                await MonitorAsync(connection, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                if (attempt == 0 || attempt % 20 == 0)
                {
                    Log.ConnectFailed(Logger, Role, Options.Endpoint.ToString(), attempt + 1, ex.Message);
                }
            }

            var wasConnected = false;
            lock (_sync)
            {
                if (_connected.Task.IsCompleted)
                {
                    _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wasConnected = true;
                }
            }

            if (connection is not null)
            {
                if (wasConnected && !token.IsCancellationRequested)
                {
                    Log.Disconnected(Logger, Role, Options.Endpoint.ToString(), connection.Failure?.Message ?? "closed");
                }

                await connection.DisposeAsync();
            }

            if (wasConnected)
            {
                ConnectionChanged?.Invoke(false);
            }

            if (token.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(Backoff(attempt++), token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    // Returns when the connection ends, or when it is closed for failing its health check: a
    // command unanswered for CommandTimeout, or no answer to the PING sent when it was idle.
    private async Task MonitorAsync(RespConnection connection, CancellationToken token)
    {
        var tick = TimeSpan.FromMilliseconds(Math.Max(10, Math.Min(Options.HealthCheckInterval.TotalMilliseconds, Options.CommandTimeout.TotalMilliseconds / 4)));
        var lastPing = System.Diagnostics.Stopwatch.GetTimestamp();
        Task<RespValue>? ping = null;
        while (!token.IsCancellationRequested)
        {
            var ended = await Task.WhenAny(connection.Completion, Task.Delay(tick, token));
            if (ended == connection.Completion || token.IsCancellationRequested)
            {
                return;
            }

            if (connection.OldestPendingAge > Options.CommandTimeout)
            {
                connection.Abort(new RedisConnectionException($"Redis did not answer a command within {Options.CommandTimeout.TotalMilliseconds:0} ms."));
                return;
            }

            // An unanswered PING is caught by the age check above, like any command.
            if (ping is null or { IsCompleted: true } && System.Diagnostics.Stopwatch.GetElapsedTime(lastPing) >= Options.HealthCheckInterval)
            {
                lastPing = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    ping = connection.ExecuteAsync(["PING"]);
                }
                catch (RedisConnectionException)
                {
                    return;
                }
            }
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var min = Options.ReconnectMinDelay.TotalMilliseconds;
        var max = Options.ReconnectMaxDelay.TotalMilliseconds;
        var delay = Math.Min(max, min * Math.Pow(2, Math.Min(attempt, 20)));
        // ±20% jitter so that the nodes of a cluster do not reconnect in lockstep.
        delay *= 0.8 + (Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromMilliseconds(delay);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Redis {Role} connected to {Endpoint}.")]
        public static partial void Connected(ILogger logger, string role, string endpoint);

        [LoggerMessage(2, LogLevel.Information, "Redis {Role} reconnected to {Endpoint}.")]
        public static partial void Reconnected(ILogger logger, string role, string endpoint);

        [LoggerMessage(3, LogLevel.Warning, "Redis {Role} lost its connection to {Endpoint}: {Reason}. Reconnecting.")]
        public static partial void Disconnected(ILogger logger, string role, string endpoint, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Redis {Role} could not connect to {Endpoint} (attempt {Attempt}): {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string role, string endpoint, int attempt, string reason);
    }
}
