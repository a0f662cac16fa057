namespace RaftKv.Core.Tests.Rules;

/// <summary>
/// A node's "disk": only what a <see cref="Ready"/> asked to make durable ends up here, so a node
/// rebuilt from <see cref="ToPersistentState"/> knows exactly what a crashed process would.
/// </summary>
public sealed class MemoryStorage
{
    private readonly List<Entry> _entries = [];

    public MemoryStorage(HardState hardState, IEnumerable<Entry> entries)
    {
        HardState = hardState;
        _entries.AddRange(entries);
    }

    public HardState HardState { get; private set; }
    public Snapshot? Snapshot { get; private set; }
    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>Step 1 of handling a Ready: snapshot, then entries (which may overwrite a suffix), then hard state.</summary>
    public void Persist(Ready ready)
    {
        if (ready.Snapshot is { } snapshot)
        {
            // Installing a snapshot replaces the whole log (the core's log is now empty after it).
            Snapshot = snapshot;
            _entries.Clear();
        }
        if (ready.Entries.Count > 0)
        {
            var first = ready.Entries[0].Index;
            _entries.RemoveAll(e => e.Index >= first);
            _entries.AddRange(ready.Entries);
        }
        if (ready.HardState is { } hs) HardState = hs;
    }

    /// <summary>Keeps <paramref name="snapshot"/> and drops the entries it covers (log compaction).</summary>
    public void Compact(Snapshot snapshot)
    {
        Snapshot = snapshot;
        _entries.RemoveAll(e => e.Index <= snapshot.Metadata.Index);
    }

    public PersistentState ToPersistentState() => new(HardState, Snapshot, _entries.ToArray());
}
