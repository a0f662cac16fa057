namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// State Machine Safety (Raft §5.4.3): if a server has applied a log entry at a given index, no other
/// server ever applies a different entry for that index. Each apply is reported with a digest of the
/// whole applied prefix, so the check also proves that every node applied the same entries in the same
/// order before it (and a node restored from a snapshot holds the same state as one that applied the log).
/// </summary>
public sealed class StateMachineSafetyChecker
{
    private readonly record struct Applied(int Node, long Term, ulong Digest);

    private readonly Dictionary<long, Applied> _applied = [];

    /// <summary>Records that <paramref name="node"/> applied index <paramref name="index"/> (of <paramref name="term"/>), reaching state <paramref name="digest"/>.</summary>
    public void ObserveApplied(int node, long index, long term, ulong digest)
    {
        if (!_applied.TryGetValue(index, out var first))
        {
            _applied[index] = new Applied(node, term, digest);
            return;
        }
        if (first.Term != term)
            throw new InvariantViolationException("State Machine Safety",
                $"node {first.Node} applied an entry of term {first.Term} at index {index}, node {node} one of term {term}");
        if (first.Digest != digest)
            throw new InvariantViolationException("State Machine Safety",
                $"nodes {first.Node} and {node} reached different states after applying index {index} (digest {first.Digest:x16} vs {digest:x16})");
    }

    /// <summary>The digest the first node to apply <paramref name="index"/> reached, if any did.</summary>
    public ulong? DigestAt(long index) => _applied.TryGetValue(index, out var a) ? a.Digest : null;
}
