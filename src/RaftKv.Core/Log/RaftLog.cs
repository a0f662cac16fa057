namespace RaftKv.Core.Log;

/// <summary>
/// The replicated log as the core sees it: an optional snapshot that replaces the prefix, then the
/// entries after it, all in memory. Tracks which entries are durable (<see cref="Stabled"/>),
/// committed and applied. Invariant: SnapshotIndex ≤ Applied ≤ Committed ≤ LastIndex.
/// </summary>
public sealed class RaftLog
{
    private readonly List<Entry> _entries = [];

    public RaftLog(PersistentState state)
    {
        Snapshot = state.Snapshot;
        SnapshotIndex = state.Snapshot?.Metadata.Index ?? 0;
        SnapshotTerm = state.Snapshot?.Metadata.Term ?? 0;
        var expected = SnapshotIndex + 1;
        foreach (var e in state.Entries)
        {
            if (e.Index < expected) continue; // already covered by the snapshot
            if (e.Index != expected)
                throw new RaftInvariantException($"persisted log has a gap: expected index {expected}, found {e.Index}");
            _entries.Add(e);
            expected++;
        }
        Stabled = LastIndex;
        _handedOut = LastIndex;
        Committed = Math.Clamp(state.HardState.Commit, SnapshotIndex, LastIndex);
        Applied = SnapshotIndex;
        _applying = SnapshotIndex;
    }

    /// <summary>The newest snapshot (what the leader sends to followers that fell behind the log's start).</summary>
    public Snapshot? Snapshot { get; private set; }

    /// <summary>A snapshot received from the leader that has not yet been handed to the driver.</summary>
    public Snapshot? PendingSnapshot { get; private set; }

    public long SnapshotIndex { get; private set; }
    public long SnapshotTerm { get; private set; }
    public long FirstIndex => SnapshotIndex + 1;
    public long LastIndex => SnapshotIndex + _entries.Count;
    public long LastTerm => Term(LastIndex);

    /// <summary>Highest index known durable on this node's disk.</summary>
    public long Stabled { get; private set; }

    /// <summary>Highest index handed to the driver for writing (durable or not yet): later Readies start after it.</summary>
    private long _handedOut;

    public long Committed { get; private set; }
    public long Applied { get; private set; }

    /// <summary>Highest committed index handed to the driver for applying (applied or about to be).</summary>
    private long _applying;

    /// <summary>The term of the entry at <paramref name="index"/>, or -1 when it is compacted away or beyond the end.</summary>
    public long Term(long index)
    {
        if (index == SnapshotIndex) return SnapshotTerm;
        if (index < SnapshotIndex || index > LastIndex) return -1;
        return _entries[(int)(index - SnapshotIndex - 1)].Term;
    }

    public bool MatchTerm(long index, long term) => Term(index) == term && term >= 0;

    public Entry EntryAt(long index)
    {
        if (index <= SnapshotIndex || index > LastIndex)
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} outside the log [{FirstIndex}, {LastIndex}]");
        return _entries[(int)(index - SnapshotIndex - 1)];
    }

    /// <summary>
    /// Raft §5.4.1: the candidate's log is at least as up-to-date as ours if its last term is higher,
    /// or the terms are equal and its log is at least as long.
    /// </summary>
    public bool IsUpToDate(long lastIndex, long lastTerm) =>
        lastTerm > LastTerm || (lastTerm == LastTerm && lastIndex >= LastIndex);

    /// <summary>Entries in [from, to] (inclusive), stopping early past <paramref name="maxBytes"/> but always returning at least one.</summary>
    public Entry[] Slice(long from, long to, int maxBytes = int.MaxValue)
    {
        if (from < FirstIndex) throw new ArgumentOutOfRangeException(nameof(from), $"index {from} is compacted (first is {FirstIndex})");
        to = Math.Min(to, LastIndex);
        if (to < from) return [];
        var count = (int)(to - from + 1);
        var start = (int)(from - SnapshotIndex - 1);
        var bytes = 0;
        var n = 0;
        while (n < count)
        {
            bytes += _entries[start + n].Size;
            if (n > 0 && bytes > maxBytes) break;
            n++;
        }
        return _entries.GetRange(start, n).ToArray();
    }

    /// <summary>Appends entries the leader itself created; they continue the log directly.</summary>
    public void AppendOwn(Entry entry)
    {
        if (entry.Index != LastIndex + 1)
            throw new RaftInvariantException($"appending index {entry.Index} after last index {LastIndex}");
        _entries.Add(entry);
    }

    /// <summary>
    /// The follower side of AppendEntries (Raft §5.3): if our log contains an entry at prevIndex with
    /// prevTerm, delete any conflicting suffix and append what is new. Returns the index of the last
    /// entry the leader sent, or -1 when the consistency check fails.
    /// </summary>
    public long MaybeAppend(long prevIndex, long prevTerm, long leaderCommit, IReadOnlyList<Entry> entries)
    {
        if (!MatchTerm(prevIndex, prevTerm)) return -1;
        var lastNew = prevIndex + entries.Count;
        var conflict = FindConflict(entries);
        if (conflict != 0)
        {
            // "If an existing entry conflicts with a new one (same index but different terms), delete the
            // existing entry and all that follow it" (Figure 2). A committed entry can never conflict.
            if (conflict <= Committed)
                throw new RaftInvariantException($"entry {conflict} conflicts with the leader but is committed (commit {Committed})");
            TruncateAndAppend(entries, (int)(conflict - (prevIndex + 1)));
        }
        CommitTo(Math.Min(leaderCommit, lastNew));
        return lastNew;
    }

    /// <summary>The index of the first entry that is new or conflicts with ours; 0 when we already have them all.</summary>
    private long FindConflict(IReadOnlyList<Entry> entries)
    {
        foreach (var e in entries)
            if (!MatchTerm(e.Index, e.Term)) return e.Index;
        return 0;
    }

    private void TruncateAndAppend(IReadOnlyList<Entry> entries, int fromOffset)
    {
        var first = entries[fromOffset].Index;
        if (first <= LastIndex)
        {
            _entries.RemoveRange((int)(first - SnapshotIndex - 1), (int)(LastIndex - first + 1));
            // The durable copy now has a suffix we no longer hold; the next Ready rewrites from here.
            Stabled = Math.Min(Stabled, first - 1);
            _handedOut = Math.Min(_handedOut, first - 1);
        }
        for (var i = fromOffset; i < entries.Count; i++) _entries.Add(entries[i]);
    }

    /// <summary>
    /// Fast back-off (thesis §5.3 optimisation, etcd's findConflictByTerm): the largest index ≤
    /// <paramref name="index"/> whose term is ≤ <paramref name="term"/>. Everything after it cannot match.
    /// </summary>
    public long FindConflictByTerm(long index, long term)
    {
        index = Math.Min(index, LastIndex);
        while (index > SnapshotIndex)
        {
            if (Term(index) <= term) return index;
            index--;
        }
        return index;
    }

    public void CommitTo(long index)
    {
        if (index <= Committed) return;
        if (index > LastIndex) throw new RaftInvariantException($"commit {index} beyond last index {LastIndex}");
        Committed = index;
    }

    /// <summary>Entries not yet handed to the driver for writing; from now on they count as handed out.</summary>
    public IReadOnlyList<Entry> TakeUnstableEntries()
    {
        var from = Math.Max(Stabled, _handedOut) + 1;
        if (from > LastIndex) return [];
        var entries = Slice(from, LastIndex);
        _handedOut = LastIndex;
        return entries;
    }

    public bool HasUnstable => Math.Max(Stabled, _handedOut) < LastIndex;

    /// <summary>Committed entries not yet handed to the driver for applying; from now on they count as handed out.</summary>
    public IReadOnlyList<Entry> TakeCommittedEntries()
    {
        var from = Math.Max(Applied, _applying) + 1;
        if (from > Committed) return [];
        var entries = Slice(from, Committed);
        _applying = Committed;
        return entries;
    }

    public bool HasNextCommitted => Math.Max(Applied, _applying) < Committed;

    /// <summary>A snapshot from the leader not yet handed to the driver; from now on it counts as handed out.</summary>
    public Snapshot? TakePendingSnapshot()
    {
        var snapshot = PendingSnapshot;
        PendingSnapshot = null;
        return snapshot;
    }

    public void StableTo(long index, long term)
    {
        // Only if the entry is still the one that was written (a later truncation may have replaced it).
        if (MatchTerm(index, term) && index > Stabled) Stabled = index;
    }

    public void AppliedTo(long index)
    {
        if (index == 0) return;
        if (index > Committed || index < Applied)
            throw new RaftInvariantException($"applied {index} is outside [applied {Applied}, committed {Committed}]");
        Applied = index;
    }

    /// <summary>Installs a snapshot from the leader: the whole log is replaced by it (Raft §7).</summary>
    public void Restore(Snapshot snapshot)
    {
        _entries.Clear();
        Snapshot = snapshot;
        PendingSnapshot = snapshot;
        SnapshotIndex = snapshot.Metadata.Index;
        SnapshotTerm = snapshot.Metadata.Term;
        Committed = SnapshotIndex;
        Applied = SnapshotIndex;
        _applying = SnapshotIndex;
        // Nothing after the snapshot is held any more. The snapshot is written with the next Ready, and no
        // acknowledgement that depends on it leaves before (MessagesAfterPersist).
        Stabled = SnapshotIndex;
        _handedOut = SnapshotIndex;
    }

    /// <summary>Discards entries up to <paramref name="snapshot"/>'s index, which the state machine has captured.</summary>
    public void Compact(Snapshot snapshot)
    {
        var index = snapshot.Metadata.Index;
        if (index == SnapshotIndex && Snapshot is { } current && current.Metadata.Term == snapshot.Metadata.Term)
        {
            // The same snapshot, stored elsewhere (the leader's, now in this node's storage): keep the new handle.
            Snapshot = snapshot;
            return;
        }
        if (index <= SnapshotIndex) return;
        if (index > Applied) throw new RaftInvariantException($"cannot compact to {index} beyond applied {Applied}");
        if (index > Stabled) throw new RaftInvariantException($"cannot compact to {index} beyond stabled {Stabled}");
        _entries.RemoveRange(0, (int)(index - SnapshotIndex));
        Snapshot = snapshot;
        SnapshotIndex = index;
        SnapshotTerm = snapshot.Metadata.Term;
    }
}
