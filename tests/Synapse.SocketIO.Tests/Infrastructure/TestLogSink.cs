using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Synapse.SocketIO.Tests.Infrastructure;

/// <summary>One log entry captured by <see cref="TestLogSink"/>.</summary>
public sealed record TestLogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>An in-memory logger provider: lets tests assert on what the server logged.</summary>
public sealed class TestLogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<TestLogEntry> _entries = new();

    /// <summary>Everything logged so far, in order.</summary>
    public IReadOnlyList<TestLogEntry> Entries => _entries.ToArray();

    /// <summary>The entries at <paramref name="level"/> or above.</summary>
    public IReadOnlyList<TestLogEntry> AtLeast(LogLevel level) => _entries.Where(e => e.Level >= level).ToArray();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(TestLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink._entries.Enqueue(new TestLogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
