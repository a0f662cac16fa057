namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// Leader Append-Only (Raft Figure 3): a leader never overwrites or deletes entries in its log; it only
/// appends new ones. Checked between observations of the same leader in the same term: its log may only
/// have grown, and the entry that was last must still be there (unless compacted into a snapshot).
/// </summary>
public sealed class LeaderAppendOnlyChecker
{
    private readonly Dictionary<int, (long Term, long LastIndex, long LastTerm)> _last = [];

    public void Observe(LeaderView leader)
    {
        var lastTerm = leader.TermAt(leader.LastIndex);
        if (_last.TryGetValue(leader.Node, out var before) && before.Term == leader.Term)
        {
            if (leader.LastIndex < before.LastIndex)
                throw new InvariantViolationException("Leader Append-Only",
                    $"leader {leader.Node} of term {leader.Term} shrank its log from {before.LastIndex} to {leader.LastIndex}");
            if (before.LastIndex > leader.SnapshotIndex && leader.TermAt(before.LastIndex) != before.LastTerm)
                throw new InvariantViolationException("Leader Append-Only",
                    $"leader {leader.Node} of term {leader.Term} replaced index {before.LastIndex} (term {before.LastTerm} -> {leader.TermAt(before.LastIndex)})");
        }
        _last[leader.Node] = (leader.Term, leader.LastIndex, lastTerm);
    }
}
