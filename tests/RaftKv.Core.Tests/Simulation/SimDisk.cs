using RaftKv.Core.Tests.Simulation.Invariants;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// A node's simulated stable storage: exactly what the driver made durable from each <see cref="Ready"/>
/// (hard state, entries with overwrite semantics, snapshot), plus its own compactions. A crash keeps
/// this and loses everything else. Also checks that what the core asks to persist is sane: terms never
/// go back and a vote, once cast in a term, never changes (Raft Figure 2: votedFor is durable).
/// </summary>
public sealed class SimDisk(Sabotage sabotage = Sabotage.None)
{
    private readonly List<Entry> _entries = [];

    /// <summary>The first index the latest batch wrote (for <see cref="Sabotage.LoseLastWriteOnCrash"/>).</summary>
    private long _lastBatchFirst;

    public HardState HardState { get; private set; } = HardState.Empty;

    /// <summary>No space left: every write fails (and changes nothing) until space returns.</summary>
    public bool Full { get; set; }
    public Snapshot? Snapshot { get; private set; }
    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>Makes one write durable, atomically: a snapshot from the leader, entries, hard state.</summary>
    public void Persist(int node, HardState? hardState, IReadOnlyList<Entry> entries, Snapshot? snapshot)
    {
        if (snapshot is not null)
        {
            // An installed snapshot replaces the whole log (the core keeps no entries after it either).
            Snapshot = snapshot;
            _entries.Clear();
            _lastBatchFirst = 0;
        }
        if (entries.Count > 0) Append(node, entries);
        if (hardState is { } hs)
        {
            if (hs.Term < HardState.Term)
                throw new InvariantViolationException("Durable term", $"node {node} persisted term {hs.Term} after term {HardState.Term}");
            if (hs.Term == HardState.Term && HardState.Vote != NodeIds.None && hs.Vote != HardState.Vote)
                throw new InvariantViolationException("Durable vote", $"node {node} changed its vote in term {hs.Term} from {HardState.Vote} to {hs.Vote}");
            HardState = (sabotage & Sabotage.ForgetVotes) != 0 ? hs with { Term = 0, Vote = NodeIds.None } : hs;
        }
    }

    /// <summary>
    /// The first step of installing a leader's snapshot, as the real storage does it (RaftStorage.SaveWithLeaderSnapshot):
    /// the snapshot file is in place (temporary file, fsync, rename: this is the step that makes the snapshot part of
    /// the state), but the log is not yet reset and the batch's hard state not yet written. A crash here leaves what
    /// the real recovery (WalReplayer.Finish, Raft Figure 13 step 6) rebuilds from such a directory, which is what this
    /// method leaves: the new snapshot, the old hard state, and the old entries after the snapshot only when the old log
    /// holds the snapshot's last entry with the same term (else none of them). <see cref="Persist"/> with the same
    /// snapshot then completes the install (the reset segment with the batch).
    /// </summary>
    /// <returns>1 when old entries after the snapshot were kept, -1 when old entries after it were dropped, else 0.</returns>
    public int StoreSnapshotFile(int node, Snapshot snapshot)
    {
        var (index, term) = (snapshot.Metadata.Index, snapshot.Metadata.Term);
        var continues = TermAt(index) == term;
        if (!continues && HardState.Commit > index)
            throw new InvariantViolationException("Install", $"node {node} installs snapshot {index}/{term}, but its disk committed through {HardState.Commit} with term {TermAt(index)} at {index}");
        var after = _entries.Where(e => e.Index > index).ToList();
        var kept = continues || (sabotage & Sabotage.InstallKeepsOldLog) != 0 ? after : [];
        Snapshot = snapshot;
        _entries.Clear();
        _entries.AddRange(kept);
        _lastBatchFirst = 0;
        return after.Count == 0 ? 0 : continues ? 1 : -1;
    }

    /// <summary>The node crashed: a sabotaged disk forgets its last write.</summary>
    public void Crash()
    {
        if ((sabotage & Sabotage.LoseLastWriteOnCrash) == 0 || _lastBatchFirst == 0) return;
        _entries.RemoveAll(e => e.Index >= _lastBatchFirst);
        _lastBatchFirst = 0;
    }

    /// <summary>Keeps a snapshot the node took itself and drops the entries it covers.</summary>
    public void Compact(Snapshot snapshot)
    {
        var index = snapshot.Metadata.Index;
        if (Snapshot is not null && Snapshot.Metadata.Index >= index) return;
        if (TermAt(index) != snapshot.Metadata.Term && TermAt(index) != Invariants.CommitDurabilityChecker.InSnapshot)
            throw new InvariantViolationException("Compaction", $"snapshot at index {index} term {snapshot.Metadata.Term} covers entries the disk does not hold durably (term there: {TermAt(index)})");
        Snapshot = snapshot;
        _entries.RemoveAll(e => e.Index <= index);
        _lastBatchFirst = 0;
    }

    /// <summary>The term of the durable entry at <paramref name="index"/>; <see cref="Invariants.CommitDurabilityChecker.InSnapshot"/> when the snapshot covers it; -1 when absent.</summary>
    public long TermAt(long index)
    {
        var snapshotIndex = Snapshot?.Metadata.Index ?? 0;
        if (index == snapshotIndex && Snapshot is not null) return Snapshot.Metadata.Term;
        if (index < snapshotIndex) return Invariants.CommitDurabilityChecker.InSnapshot;
        var offset = index - snapshotIndex - 1;
        return offset >= 0 && offset < _entries.Count ? _entries[(int)offset].Term : -1;
    }

    /// <summary>What a restarted node starts from.</summary>
    public PersistentState Load() => new(HardState, Snapshot, _entries.ToArray());

    private void Append(int node, IReadOnlyList<Entry> entries)
    {
        var first = entries[0].Index;
        _lastBatchFirst = first;
        var snapshotIndex = Snapshot?.Metadata.Index ?? 0;
        var last = _entries.Count > 0 ? _entries[^1].Index : snapshotIndex;
        if (first <= snapshotIndex)
            throw new InvariantViolationException("Persist", $"node {node} asked to persist entry {first}, inside its snapshot (through {snapshotIndex})");
        if (first > last + 1)
            throw new InvariantViolationException("Persist", $"node {node} asked to persist entry {first} after last durable entry {last}: a gap");
        // The first entry may overwrite a suffix: everything from it on is replaced.
        var keep = (int)(first - snapshotIndex - 1);
        if (keep < _entries.Count) _entries.RemoveRange(keep, _entries.Count - keep);
        foreach (var e in entries)
        {
            if (e.Index != snapshotIndex + _entries.Count + 1)
                throw new InvariantViolationException("Persist", $"node {node} asked to persist non-consecutive entries (index {e.Index})");
            _entries.Add(e);
        }
    }
}
