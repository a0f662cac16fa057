using Microsoft.Extensions.Logging;

namespace RaftKv.Replica.Tests.Story;

/// <summary>Keeps every line a replica logs, formatted as the node's console would print its message.</summary>
public sealed class CapturingLogger : ILogger
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines => _lines;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Add(formatter(state, exception));

    public void Clear() => _lines.Clear();
}
