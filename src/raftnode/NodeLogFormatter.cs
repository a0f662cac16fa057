using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace RaftKv.Host;

/// <summary>
/// One short line per event, so that three terminals side by side tell the story:
/// <c>08:05:14.207 node 1 INFO  Became leader in term 2</c>. The node tag comes from the logger
/// category ("node-1", "node-1.peers"). Warnings and errors are coloured on a terminal unless the
/// <c>NO_COLOR</c> environment variable is set (https://no-color.org).
/// </summary>
public sealed class NodeLogFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "raftkv";

    private static readonly bool NoColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>The four-letter level name used in log lines and on the dashboard.</summary>
    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRCE",
        LogLevel.Debug => "DBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARN",
        LogLevel.Error => "FAIL",
        LogLevel.Critical => "CRIT",
        _ => "    ",
    };

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        var category = logEntry.Category;
        var dot = category.IndexOf('.');
        var tag = (dot < 0 ? category : category[..dot]).Replace('-', ' ');
        var level = LevelName(logEntry.LogLevel);
        var color = logEntry.LogLevel switch
        {
            LogLevel.Warning => "\u001b[33m",
            LogLevel.Error => "\u001b[31m",
            LogLevel.Critical => "\u001b[1;31m",
            _ => "",
        };
        var useColor = color.Length > 0 && !NoColor && !Console.IsOutputRedirected;
        textWriter.Write(DateTime.Now.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(tag);
        textWriter.Write(' ');
        if (useColor) textWriter.Write(color);
        textWriter.Write(level);
        if (useColor) textWriter.Write("\u001b[0m");
        textWriter.Write("  ");
        textWriter.Write(message);
        if (logEntry.Exception is { } ex && !message.Contains(ex.Message, StringComparison.Ordinal))
        {
            textWriter.Write(" | ");
            textWriter.Write(ex.GetType().Name);
            textWriter.Write(": ");
            textWriter.Write(ex.Message);
        }
        textWriter.WriteLine();
    }
}
