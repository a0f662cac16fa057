using System.Text;

namespace RaftKv.Ctl.Prompt;

/// <summary>
/// The interactive prompt's line editing for a terminal: left/right, Home/End, Backspace/Delete, up/down through the
/// history (kept in a file across sessions), Tab to complete commands and options, Ctrl+C to drop the line being
/// typed, Ctrl+D on an empty line to leave. Keys come from <c>readKey</c> and echo goes to <c>output</c>, so tests
/// can type. (No library served this: RadLine is a preview pinned to an old Spectre.Console.)
/// </summary>
public sealed class LineEditor
{
    /// <summary>Lines kept in the history file.</summary>
    public const int HistoryLimit = 500;

    private readonly Func<ConsoleKeyInfo> _readKey;
    private readonly TextWriter _output;
    private readonly Func<IReadOnlyList<string>, IEnumerable<string>> _candidates;
    private readonly string? _historyFile;
    private readonly List<string> _history = [];

    /// <param name="candidates">Words that may come next after the given words of the line (commands first, then options).</param>
    /// <param name="historyFile">Where history is read from and appended to; null keeps it in memory.</param>
    public LineEditor(Func<ConsoleKeyInfo> readKey, TextWriter output, Func<IReadOnlyList<string>, IEnumerable<string>> candidates, string? historyFile)
    {
        _readKey = readKey;
        _output = output;
        _candidates = candidates;
        _historyFile = historyFile;
        if (historyFile is not null && File.Exists(historyFile))
        {
            try
            {
                _history.AddRange(File.ReadLines(historyFile).Where(l => l.Length > 0).TakeLast(HistoryLimit));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // no history this time; the prompt works without it
            }
        }
    }

    /// <summary>The default history file: $RAFTCTL_HISTORY, else ~/.raftctl_history.</summary>
    public static string DefaultHistoryFile() =>
        Environment.GetEnvironmentVariable("RAFTCTL_HISTORY") is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".raftctl_history");

    public IReadOnlyList<string> History => _history;

    /// <summary>Reads one line after writing <paramref name="prompt"/>; null at Ctrl+D on an empty line.</summary>
    public string? ReadLine(string prompt)
    {
        var line = new StringBuilder();
        var cursor = 0;
        var recalled = _history.Count;
        _output.Write(prompt);
        _output.Flush();
        while (true)
        {
            var key = _readKey();
            var control = key.Modifiers.HasFlag(ConsoleModifiers.Control);
            if (control && key.Key == ConsoleKey.C)
            {
                _output.WriteLine("^C");
                line.Clear();
                cursor = 0;
                recalled = _history.Count;
                _output.Write(prompt);
                _output.Flush();
                continue;
            }
            if (control && key.Key == ConsoleKey.D && line.Length == 0)
            {
                _output.WriteLine();
                return null;
            }
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    _output.WriteLine();
                    var text = line.ToString();
                    Remember(text);
                    return text;
                case ConsoleKey.Backspace when cursor > 0:
                    line.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete when cursor < line.Length:
                    line.Remove(cursor, 1);
                    break;
                case ConsoleKey.LeftArrow when cursor > 0:
                    cursor--;
                    break;
                case ConsoleKey.RightArrow when cursor < line.Length:
                    cursor++;
                    break;
                case ConsoleKey.Home:
                    cursor = 0;
                    break;
                case ConsoleKey.End:
                    cursor = line.Length;
                    break;
                case ConsoleKey.UpArrow when recalled > 0:
                    recalled--;
                    line.Clear().Append(_history[recalled]);
                    cursor = line.Length;
                    break;
                case ConsoleKey.DownArrow when recalled < _history.Count:
                    recalled++;
                    line.Clear().Append(recalled == _history.Count ? "" : _history[recalled]);
                    cursor = line.Length;
                    break;
                case ConsoleKey.Tab:
                    cursor = Complete(line, cursor, prompt);
                    break;
                default:
                    if (key.KeyChar >= ' ' && !control)
                    {
                        line.Insert(cursor++, key.KeyChar);
                    }
                    break;
            }
            Redraw(prompt, line, cursor);
        }
    }

    /// <summary>Completes the word before the cursor: one candidate fills it in, several are listed.</summary>
    private int Complete(StringBuilder line, int cursor, string prompt)
    {
        var before = line.ToString(0, cursor);
        var start = before.LastIndexOf(' ') + 1;
        var partial = before[start..];
        var previous = before[..start].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var matches = _candidates(previous).Where(c => c.StartsWith(partial, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (matches.Count == 0) return cursor;
        if (matches.Count == 1)
        {
            var fill = matches[0][partial.Length..] + " ";
            line.Insert(cursor, fill);
            return cursor + fill.Length;
        }
        var common = matches.Aggregate((a, b) => a[..CommonPrefixLength(a, b)]);
        if (common.Length > partial.Length)
        {
            line.Insert(cursor, common[partial.Length..]);
            return cursor + common.Length - partial.Length;
        }
        _output.WriteLine();
        _output.WriteLine(string.Join("  ", matches));
        _output.Write(prompt);
        return cursor;
    }

    private static int CommonPrefixLength(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }

    private void Redraw(string prompt, StringBuilder line, int cursor)
    {
        // Back to the start of the line, the prompt and the text, clear what is left of an older longer line,
        // then the cursor back to its place.
        _output.Write('\r');
        _output.Write(prompt);
        _output.Write(line);
        _output.Write("\u001b[K");
        if (line.Length > cursor) _output.Write($"\u001b[{line.Length - cursor}D");
        _output.Flush();
    }

    private void Remember(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || (_history.Count > 0 && _history[^1] == text)) return;
        _history.Add(text);
        if (_history.Count > HistoryLimit) _history.RemoveAt(0);
        if (_historyFile is null) return;
        try
        {
            File.AppendAllLines(_historyFile, [text]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the line still runs; only its memory across sessions is lost
        }
    }
}
