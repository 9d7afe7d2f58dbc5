using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Synapse.SocketIO.Fuzz.Fuzzing;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// A logger provider that keeps only what the server logs at Error or above (an exception escaping
/// a request, a failing handler): a fuzzing run must log none. Nothing else is kept, so a run of
/// millions of requests does not accumulate log entries.
/// </summary>
internal sealed class ErrorLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _errors = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Throws (and forgets) what was logged since the last call.</summary>
    public void ThrowIfAny(string when)
    {
        if (_errors.IsEmpty)
        {
            return;
        }

        var errors = new List<string>();
        while (_errors.TryDequeue(out var error))
        {
            errors.Add(error);
        }

        throw new FuzzPropertyException($"the server logged {errors.Count} error(s) {when}: {errors[0]}");
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                log._errors.Enqueue($"[{category}] {formatter(state, exception)}\n{exception}");
            }
        }
    }
}
