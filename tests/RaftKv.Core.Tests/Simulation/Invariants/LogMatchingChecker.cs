namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// Log Matching (Raft §5.3): if two logs contain an entry with the same index and term, the entries are
/// identical and so are all entries before them. Checked by induction, which needs only the entry itself
/// and the term of its predecessor: every (index, term) ever seen in any log must always come with the
/// same content and the same predecessor term. If that holds at every index, two logs sharing (i, t)
/// share (i-1, t') and so on down to the start (or to a snapshot, whose position is itself an entry).
/// </summary>
public sealed class LogMatchingChecker
{
    private readonly record struct Seen(int Node, long PrevTerm, Entry Entry);

    private readonly Dictionary<(long Index, long Term), Seen> _seen = [];

    /// <summary>Number of distinct (index, term) entries seen.</summary>
    public int Count => _seen.Count;

    /// <summary>Records that <paramref name="node"/>'s log holds <paramref name="entry"/> right after an entry of <paramref name="prevTerm"/>.</summary>
    public void Observe(int node, Entry entry, long prevTerm)
    {
        var key = (entry.Index, entry.Term);
        if (!_seen.TryGetValue(key, out var first))
        {
            _seen[key] = new Seen(node, prevTerm, entry);
            return;
        }
        if (first.PrevTerm != prevTerm)
        {
            throw new InvariantViolationException("Log Matching",
                $"entry (index {entry.Index}, term {entry.Term}) follows an entry of term {first.PrevTerm} on node {first.Node} " +
                $"but one of term {prevTerm} on node {node}: the logs differ before a common entry");
        }
        if (!SameContent(first.Entry, entry))
        {
            throw new InvariantViolationException("Log Matching",
                $"entry (index {entry.Index}, term {entry.Term}) differs between node {first.Node} ({Describe(first.Entry)}) and node {node} ({Describe(entry)})");
        }
    }

    /// <summary>Records consecutive entries of one log; the first follows an entry (or snapshot) of <paramref name="prevTerm"/>.</summary>
    public void ObserveLog(int node, long prevTerm, IEnumerable<Entry> entries)
    {
        foreach (var e in entries)
        {
            Observe(node, e, prevTerm);
            prevTerm = e.Term;
        }
    }

    private static bool SameContent(Entry a, Entry b) =>
        a.Type == b.Type && (ReferenceEquals(a.Data, b.Data) || a.Data.AsSpan().SequenceEqual(b.Data));

    internal static string Describe(Entry e) => e.Type == EntryType.Command
        ? $"{e.Type} '{System.Text.Encoding.UTF8.GetString(e.Data)}'"
        : $"{e.Type} [{e.Data.Length} bytes]";
}
