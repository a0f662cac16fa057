using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RaftKv.Transport.Tests.TestSupport;

/// <summary>Keeps every log line, so a test can check that a refusal was logged, and logged once.</summary>
public sealed class CapturingLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Text)> Lines => [.. _lines];

    public IReadOnlyList<string> Warnings => [.. _lines.Where(l => l.Level >= LogLevel.Warning).Select(l => l.Text)];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue((logLevel, formatter(state, exception)));

    public override string ToString() => string.Join(Environment.NewLine, _lines.Select(l => $"{l.Level}: {l.Text}"));
}
