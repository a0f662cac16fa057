using System.Text;

namespace RaftKv.Ctl;

/// <summary>
/// Splits an interactive line into words the way a POSIX shell would, so that what works on the
/// command line works at the prompt: whitespace separates words; '…' keeps everything literally;
/// "…" keeps everything but lets \" \\ \$ \` escape; a backslash outside quotes escapes the next
/// character; quoted pieces next to each other join one word, and '' is an empty word.
/// </summary>
public static class ShellTokenizer
{
    /// <summary>The words of <paramref name="line"/>. Throws <see cref="FormatException"/> on an unterminated quote or a trailing backslash.</summary>
    public static IReadOnlyList<string> Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case ' ' or '\t' or '\r' or '\n':
                    if (inWord) words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                    break;

                case '\'':
                    inWord = true;
                    var close = line.IndexOf('\'', i + 1);
                    if (close < 0) throw new FormatException($"unterminated single quote at column {i + 1}");
                    word.Append(line, i + 1, close - i - 1);
                    i = close;
                    break;

                case '"':
                    inWord = true;
                    var start = i;
                    for (i++; ; i++)
                    {
                        if (i >= line.Length) throw new FormatException($"unterminated double quote at column {start + 1}");
                        if (line[i] == '"') break;
                        if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`') i++;
                        word.Append(line[i]);
                    }
                    break;

                case '\\':
                    if (i + 1 >= line.Length) throw new FormatException("a backslash at the end of the line escapes nothing");
                    inWord = true;
                    word.Append(line[++i]);
                    break;

                default:
                    inWord = true;
                    word.Append(c);
                    break;
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
