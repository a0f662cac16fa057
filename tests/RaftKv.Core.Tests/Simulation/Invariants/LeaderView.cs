namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// What the Leader Completeness checker needs to see of a leader's log: its term, where its log starts
/// (entries at or below <see cref="SnapshotIndex"/> are compacted into a snapshot), its last index, and
/// the term at any index it still holds.
/// </summary>
public sealed record LeaderView(int Node, long Term, long SnapshotIndex, long LastIndex, Func<long, long> TermAt)
{
    /// <summary>A view of a live core.</summary>
    public static LeaderView Of(Raft core) => new(core.Id, core.Term, core.FirstIndex - 1, core.LastIndex, core.TermAt);
}
