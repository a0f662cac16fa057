using System.Text;

namespace RaftKv.Testing.Processes;

/// <summary>
/// Everything one node printed (stdout and stderr, every incarnation), kept twice: the last lines in
/// memory for failure messages, and every line in a file that survives the test for a closer look.
/// Thread-safe: the process's output callbacks write while the test reads.
/// </summary>
public sealed class OutputLog : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<(DateTime Received, string Line)> _tail = new();
    private readonly int _capacity;
    private readonly StreamWriter _file;
    private readonly List<string> _all = new();
    private long _lineCount;

    public OutputLog(string path, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Path = path;
        _capacity = capacity;
        _file = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false))
        {
            AutoFlush = true,
        };
    }

    /// <summary>The file every line is appended to.</summary>
    public string Path { get; }

    /// <summary>Lines written so far; pass it to <see cref="LinesSince"/> to see only what came after.</summary>
    public long LineCount
    {
        get { lock (_gate) return _lineCount; }
    }

    public void Append(string line)
    {
        // The file and failure messages (TailWithTimes), read by people, carry the time the harness received each line:
        // a stretch without lines from every node at once then tells a stalled reader (the test process) from stalled nodes.
        var now = DateTime.UtcNow;
        var received = Stamp(now, line);
        lock (_gate)
        {
            _lineCount++;
            _all.Add(line);
            _tail.Enqueue((now, line));
            while (_tail.Count > _capacity) _tail.Dequeue();
            try
            {
                _file.WriteLine(received);
            }
            catch (ObjectDisposedException)
            {
                // Output that arrives while the cluster is being disposed: memory is enough.
            }
        }
    }

    /// <summary>The last lines (at most the capacity given at construction), as the node printed them.</summary>
    public string Tail()
    {
        lock (_gate) return string.Join('\n', _tail.Select(t => t.Line));
    }

    /// <summary><see cref="Tail"/>, each line after the UTC time the harness received it: for failure messages.</summary>
    public string TailWithTimes()
    {
        lock (_gate) return string.Join('\n', _tail.Select(t => Stamp(t.Received, t.Line)));
    }

    private static string Stamp(DateTime received, string line) => $"{received:HH:mm:ss.fff} {line}";

    /// <summary>Every line after the first <paramref name="lineCount"/> (see <see cref="LineCount"/>).</summary>
    public IReadOnlyList<string> LinesSince(long lineCount)
    {
        lock (_gate) return _all.Skip((int)Math.Min(lineCount, _all.Count)).ToArray();
    }

    /// <summary>True when some line, from the <paramref name="fromLine"/>th on, contains <paramref name="text"/> (ordinal, case-insensitive).</summary>
    public bool Contains(string text, long fromLine = 0)
    {
        lock (_gate)
        {
            for (var i = (int)Math.Min(fromLine, _all.Count); i < _all.Count; i++)
                if (_all[i].Contains(text, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }
    }

    public void Dispose()
    {
        lock (_gate) _file.Dispose();
    }
}
