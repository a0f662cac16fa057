using RaftKv.Core;

namespace RaftKv.Storage.Log;

/// <summary>
/// The shape of the log without its payloads: where it starts, where it ends, the term of every entry (as
/// runs, so a long log costs a few dozen bytes) and the hard state. Both the write path and recovery drive
/// it, so a batch that <see cref="RaftStorage.Save"/> refuses is exactly a batch that recovery would call
/// corrupt: the invariants are stated once, here.
/// </summary>
/// <remarks>Each <c>Try…</c> method returns null when the step is legal and applies it, or an explanation and changes nothing.</remarks>
internal sealed class LogTracker
{
    private readonly List<TermRun> _runs;

    private LogTracker(long baseIndex, long? baseTerm, long lastIndex, HardState hardState, List<TermRun> runs)
    {
        BaseIndex = baseIndex;
        BaseTerm = baseTerm;
        LastIndex = lastIndex;
        HardState = hardState;
        _runs = runs;
    }

    /// <summary>An empty log whose entries start after <paramref name="baseIndex"/> (a snapshot, or nothing).</summary>
    public LogTracker(long baseIndex, long? baseTerm)
        : this(baseIndex, baseTerm, baseIndex, HardState.Empty, [])
    {
    }

    /// <summary>The index just before the first tracked entry: the snapshot (or 0). Entries at or below it are not tracked.</summary>
    public long BaseIndex { get; private set; }

    /// <summary>The term at <see cref="BaseIndex"/>, when known (a snapshot's term; unknown when recovery starts mid-log).</summary>
    public long? BaseTerm { get; private set; }

    public long LastIndex { get; private set; }

    public HardState HardState { get; private set; }

    /// <summary>True when the log holds at least one entry after <see cref="BaseIndex"/>.</summary>
    public bool HasEntries => LastIndex > BaseIndex;

    public LogTracker Clone() => new(BaseIndex, BaseTerm, LastIndex, HardState, [.. _runs]);

    /// <summary>The term of the entry at <paramref name="index"/>, or null when it is outside the log or unknown.</summary>
    public long? TermAt(long index)
    {
        if (index == BaseIndex)
        {
            return BaseTerm;
        }
        if (index < BaseIndex || index > LastIndex)
        {
            return null;
        }
        // The last run whose first index is <= index holds it.
        int lo = 0, hi = _runs.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (_runs[mid].FirstIndex <= index)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return _runs[lo].Term;
    }

    /// <summary>
    /// Appends one entry. An index at or below <see cref="LastIndex"/> first truncates the conflicting suffix
    /// (Raft §5.3: a follower's log is overwritten by the leader's). The checks are the Raft invariants that a
    /// correct core never breaks: no gaps, terms never decrease along the log, committed entries are never
    /// replaced by different ones (and truncating them away is caught by <see cref="CheckBetweenBatches"/>).
    /// </summary>
    public string? TryAppend(long index, long term)
    {
        if (index < 1 || term < 1)
        {
            return $"entry has index {index} and term {term}; both must be at least 1";
        }
        if (index <= BaseIndex)
        {
            return $"entry {index} is at or below the start of the log (index {BaseIndex} is compacted into a snapshot)";
        }
        if (index > LastIndex + 1)
        {
            return $"entry {index} leaves a gap after the last entry {LastIndex}";
        }
        // Rewriting a committed entry with the same term is harmless (index and term identify an entry, Raft §5.3);
        // with another term it would change what the cluster agreed on.
        if (index <= LastIndex && index <= HardState.Commit && TermAt(index) is { } existing && existing != term)
        {
            return $"entry {index} of term {term} would overwrite a committed entry of term {existing} (commit index {HardState.Commit})";
        }
        var previousTerm = TermAt(index - 1);
        if (previousTerm is { } p && term < p)
        {
            return $"entry {index} has term {term}, lower than the term {p} of entry {index - 1} before it";
        }
        TruncateAfter(index - 1);
        if (_runs.Count == 0 || _runs[^1].Term != term)
        {
            _runs.Add(new TermRun(index, term));
        }
        LastIndex = index;
        return null;
    }

    /// <summary>
    /// Records a new hard state. Term never decreases, a vote cast in a term is never changed within that term
    /// (Raft Figure 2: votedFor is durable so a node never votes twice), and the commit index never moves back.
    /// </summary>
    public string? TrySetHardState(HardState next)
    {
        var current = HardState;
        if (next.Term < current.Term)
        {
            return $"hard state term {next.Term} is lower than the durable term {current.Term}";
        }
        if (next.Term == current.Term && current.Vote != NodeIds.None && next.Vote != current.Vote)
        {
            return $"hard state changes the vote in term {next.Term} from node {current.Vote} to node {next.Vote}";
        }
        if (next.Commit < current.Commit)
        {
            return $"hard state commit index {next.Commit} is lower than the durable commit index {current.Commit}";
        }
        if (next.Commit < 0 || next.Vote < NodeIds.None)
        {
            return $"hard state {next} has a negative commit index or an invalid vote";
        }
        HardState = next;
        return null;
    }

    /// <summary>
    /// The checks that hold between batches (inside one batch the order of records is free): nothing is
    /// committed beyond the end of the log, and no entry carries a term newer than the node's term.
    /// </summary>
    /// <param name="snapshotIndex">Entries up to here are known to be committed through a snapshot, even if the tracked log is shorter.</param>
    public string? CheckBetweenBatches(long snapshotIndex = 0)
    {
        if (HardState.Commit > Math.Max(LastIndex, snapshotIndex))
        {
            return $"commit index {HardState.Commit} is beyond the last entry {Math.Max(LastIndex, snapshotIndex)}: committed entries are missing";
        }
        if (HasEntries && TermAt(LastIndex) is { } lastTerm && lastTerm > HardState.Term)
        {
            return $"entry {LastIndex} has term {lastTerm}, newer than the durable term {HardState.Term}";
        }
        return null;
    }

    /// <summary>Forgets everything: the log now starts after (<paramref name="index"/>, <paramref name="term"/>) and is empty.</summary>
    public void Reset(long index, long? term)
    {
        BaseIndex = index;
        BaseTerm = term;
        LastIndex = index;
        _runs.Clear();
    }

    /// <summary>Drops the tracked entries up to and including <paramref name="index"/>, which a snapshot now covers.</summary>
    public void CompactTo(long index, long term)
    {
        if (index >= LastIndex)
        {
            Reset(index, term);
            return;
        }
        if (index < BaseIndex)
        {
            return;
        }
        if (index == BaseIndex)
        {
            BaseTerm = term;
            return;
        }
        var keepFrom = _runs.FindLastIndex(r => r.FirstIndex <= index + 1);
        var runTerm = _runs[keepFrom].Term;
        _runs.RemoveRange(0, keepFrom);
        _runs[0] = new TermRun(index + 1, runTerm);
        BaseIndex = index;
        BaseTerm = term;
    }

    /// <summary>Removes every entry after <paramref name="index"/> (a no-op when there are none).</summary>
    private void TruncateAfter(long index)
    {
        if (index >= LastIndex)
        {
            return;
        }
        while (_runs.Count > 0 && _runs[^1].FirstIndex > index)
        {
            _runs.RemoveAt(_runs.Count - 1);
        }
        LastIndex = index;
    }
}
