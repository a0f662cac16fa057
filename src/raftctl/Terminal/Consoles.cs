using Spectre.Console;

namespace RaftKv.Ctl.Terminal;

/// <summary>
/// Spectre.Console consoles over raftctl's writers: colours, borders and live redraws on a real terminal
/// (unless NO_COLOR is set); plain, unwrapped text for pipes, files and tests.
/// </summary>
internal static class Consoles
{
    public static bool IsTerminal(TextWriter writer) =>
        (ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected) || (ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected);

    public static IAnsiConsole For(TextWriter writer)
    {
        var terminal = IsTerminal(writer);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!terminal) console.Profile.Width = 4096; // a script's line is never wrapped
        return console;
    }

    /// <summary>Writes <paramref name="table"/>: drawn by Spectre.Console on a terminal; for a pipe, plain lines without trailing spaces.</summary>
    public static void Write(TextWriter writer, Table table)
    {
        if (IsTerminal(writer))
        {
            For(writer).Write(table);
            return;
        }
        using var buffer = new StringWriter();
        For(buffer).Write(table);
        foreach (var line in buffer.ToString().Split('\n'))
        {
            var trimmed = line.TrimEnd();
            if (trimmed.Length > 0) writer.WriteLine(trimmed);
        }
    }

    /// <summary>A table: bordered on a terminal; on a pipe, columns separated by two spaces under a header line.</summary>
    public static Table Table(TextWriter writer, params string[] headers)
    {
        var table = new Table();
        var terminal = IsTerminal(writer);
        if (terminal) table.Border(TableBorder.Rounded);
        else table.Border(TableBorder.None);
        foreach (var header in headers)
        {
            var column = new TableColumn(terminal ? $"[bold]{Markup.Escape(header)}[/]" : Markup.Escape(header));
            if (!terminal) column.PadLeft(0).PadRight(2);
            table.AddColumn(column);
        }
        return table;
    }
}
