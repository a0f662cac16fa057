using Microsoft.Extensions.Logging;

namespace RaftKv.Host.Logging;

/// <summary>Keeps the last <see cref="Capacity"/> log lines of this node for the dashboard ("the tail of the log").</summary>
public sealed class LogTail : ILoggerProvider
{
    public const int Capacity = 200;

    private readonly Lock _gate = new();
    private readonly Queue<LogLine> _lines = new();
    private readonly LogLevel _minimum;

    public LogTail(LogLevel minimum) => _minimum = minimum;

    public IReadOnlyList<LogLine> Lines()
    {
        lock (_gate) return [.. _lines];
    }

    public ILogger CreateLogger(string categoryName) => new TailLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogLine line)
    {
        lock (_gate)
        {
            if (_lines.Count == Capacity) _lines.Dequeue();
            _lines.Enqueue(line);
        }
    }

    private sealed class TailLogger(LogTail tail, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= tail._minimum && logLevel != LogLevel.None
            && !(category.StartsWith("Microsoft.", StringComparison.Ordinal) && logLevel < LogLevel.Warning);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            if (exception is not null && !message.Contains(exception.Message, StringComparison.Ordinal)) message += $" ({exception.Message})";
            tail.Add(new LogLine(DateTimeOffset.UtcNow, NodeLogFormatter.LevelName(logLevel), message));
        }
    }
}
