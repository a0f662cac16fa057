namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// Election Safety (Raft Figure 3): at most one leader can be elected in a given term. Remembers every
/// leader ever seen, across crashes, so two leaders of one term are caught even when they never coexist.
/// </summary>
public sealed class ElectionSafetyChecker
{
    private readonly Dictionary<long, int> _leaderOfTerm = [];

    /// <summary>How many (term, leader) elections were seen.</summary>
    public int Elections => _leaderOfTerm.Count;

    /// <summary>Records that <paramref name="node"/> is leader in <paramref name="term"/>.</summary>
    /// <returns>True when this is a leader not seen before (a new election).</returns>
    public bool ObserveLeader(int node, long term)
    {
        if (_leaderOfTerm.TryGetValue(term, out var existing))
        {
            if (existing != node)
                throw new InvariantViolationException("Election Safety", $"nodes {existing} and {node} were both leader in term {term}");
            return false;
        }
        _leaderOfTerm[term] = node;
        return true;
    }
}
