namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// Installing a leader's snapshot is atomic (issue 9): a node that crashed in the middle of it restarts with its old
/// state or with the new one, never a mix. "Old" is exactly what the disk held before the install began. "New" is the
/// installed snapshot, the hard state of before or of the install's batch, and after the snapshot only entries that
/// belong there: the batch's own, or old entries that Raft lets a follower keep (Figure 13 step 6: the old log holds
/// the snapshot's last entry with the same term, so what follows it may stay). Anything else (old entries after a
/// snapshot they do not continue, entries the snapshot covers, a snapshot that is neither) is a mix.
/// </summary>
public sealed class InstallAtomicityChecker
{
    private readonly record struct Pending(DiskImage Old, SnapshotMetadata Installing, HardState? BatchHardState, string BatchEntries, long OldTermAtSnapshot);

    private readonly Dictionary<int, Pending> _pending = [];

    public int RestartsWithOldState { get; private set; }
    public int RestartsWithNewState { get; private set; }

    /// <summary>
    /// <paramref name="node"/> crashed while installing <paramref name="installing"/> with <paramref name="batchHardState"/> and
    /// <paramref name="batchEntries"/>; before the install its disk held <paramref name="old"/>, with term
    /// <paramref name="oldTermAtSnapshot"/> at the snapshot's index (-1: no entry there).
    /// </summary>
    public void CrashedMidInstall(int node, DiskImage old, SnapshotMetadata installing, HardState? batchHardState, IEnumerable<Entry> batchEntries,
        long oldTermAtSnapshot) =>
        _pending[node] = new Pending(old, installing, batchHardState, DiskImage.Describe(batchEntries), oldTermAtSnapshot);

    /// <summary><paramref name="node"/> restarts from <paramref name="loaded"/>; checked when its last life ended mid-install.</summary>
    public void Restarted(int node, DiskImage loaded)
    {
        if (!_pending.Remove(node, out var p)) return;
        if (loaded == p.Old)
        {
            RestartsWithOldState++;
            return;
        }
        string? problem = null;
        if (loaded.SnapshotIndex != p.Installing.Index || loaded.SnapshotTerm != p.Installing.Term)
            problem = $"its snapshot is {loaded.SnapshotIndex}/{loaded.SnapshotTerm}, neither the old one ({p.Old.SnapshotIndex}/{p.Old.SnapshotTerm}) nor the one being installed ({p.Installing.Index}/{p.Installing.Term})";
        else if (loaded.HardState != p.Old.HardState && loaded.HardState != p.BatchHardState)
            problem = $"its hard state {loaded.HardState} is neither the old one ({p.Old.HardState}) nor the install's ({p.BatchHardState})";
        else if (loaded.Entries != p.BatchEntries)
        {
            var old = p.Old.EntryPositions().ToHashSet();
            var expected = p.Installing.Index + 1;
            foreach (var (index, term) in loaded.EntryPositions())
            {
                if (index != expected)
                {
                    problem = $"entry {index} where {expected} should follow the snapshot";
                    break;
                }
                if (!old.Contains((index, term)) || p.OldTermAtSnapshot != p.Installing.Term)
                {
                    problem = $"entry {index}:{term} is neither the install's nor an old entry that continues the snapshot " +
                              $"(the old log had term {p.OldTermAtSnapshot} at index {p.Installing.Index}, the snapshot term {p.Installing.Term})";
                    break;
                }
                expected++;
            }
        }
        if (problem is not null)
            throw new InvariantViolationException("Install atomicity",
                $"node {node} crashed while installing snapshot {p.Installing.Index}/{p.Installing.Term} and restarted with a mix: {problem}. " +
                $"Before: {p.Old}; after: {loaded}");
        RestartsWithNewState++;
    }
}
