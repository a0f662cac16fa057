namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// A leader may count an entry as committed only once a majority of the voters hold it on stable
/// storage (Raft §5.3 and thesis §10.2.1: the leader's own copy counts only once it is durable too).
/// Checked against the simulated disks, the ground truth of what survives a crash, at the moment a
/// leader's commit index moves.
/// </summary>
public static class CommitDurabilityChecker
{
    /// <summary>Returned by a disk lookup when the index is inside the node's snapshot (durable, and committed there).</summary>
    public const long InSnapshot = long.MaxValue;

    /// <param name="durableTermAt">The term a node's disk holds at an index, <see cref="InSnapshot"/>, or -1 when absent.</param>
    public static void Check(int leader, long leaderTerm, long commit, long commitTerm, IReadOnlyList<int> voters, Func<int, long, long> durableTermAt)
    {
        var durable = voters.Count(v => durableTermAt(v, commit) is var t && (t == commitTerm || t == InSnapshot));
        if (durable < voters.Count / 2 + 1)
        {
            throw new InvariantViolationException("Commit durability",
                $"leader {leader} of term {leaderTerm} committed index {commit} (term {commitTerm}) while only {durable} of {voters.Count} voters " +
                $"[{string.Join(",", voters)}] had it on disk");
        }
    }
}
