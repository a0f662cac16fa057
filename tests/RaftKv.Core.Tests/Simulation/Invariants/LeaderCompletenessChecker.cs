namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// Leader Completeness (Raft §5.4): if an entry is committed in a given term, it is in the log of every
/// leader of a higher term. A node that reports commit index c while in term t proves that the entries up
/// to c were committed in a term no higher than t, so a leader of term ≥ t must hold every one of them.
/// Each leader's log is verified incrementally: a leader never removes entries during its term.
/// </summary>
public sealed class LeaderCompletenessChecker
{
    /// <summary>Index → term of every entry known to be committed.</summary>
    private readonly Dictionary<long, long> _committedTerm = [];

    /// <summary>Term → highest index reported committed by a node in that term.</summary>
    private readonly SortedDictionary<long, long> _highestCommittedInTerm = [];

    /// <summary>(leader, term) → highest index already verified in that leader's log.</summary>
    private readonly Dictionary<(int Node, long Term), long> _verified = [];

    /// <summary>Records that a node in term <paramref name="nodeTerm"/> holds (<paramref name="index"/>, <paramref name="term"/>) as committed.</summary>
    public void ObserveCommitted(int node, long nodeTerm, long index, long term)
    {
        if (_committedTerm.TryGetValue(index, out var known))
        {
            if (known != term)
                throw new InvariantViolationException("Leader Completeness",
                    $"index {index} was committed with term {known}, but node {node} (term {nodeTerm}) holds term {term} there as committed");
        }
        else
        {
            _committedTerm[index] = term;
        }
        if (!_highestCommittedInTerm.TryGetValue(nodeTerm, out var highest) || highest < index)
            _highestCommittedInTerm[nodeTerm] = index;
    }

    /// <summary>Verifies that <paramref name="leader"/> holds every entry committed in a term no higher than its own.</summary>
    public void CheckLeader(LeaderView leader)
    {
        long mustHold = 0;
        foreach (var (term, index) in _highestCommittedInTerm)
        {
            if (term > leader.Term) break;
            mustHold = Math.Max(mustHold, index);
        }
        var key = (leader.Node, leader.Term);
        var from = _verified.TryGetValue(key, out var v) ? v + 1 : 1;
        for (var i = Math.Max(from, leader.SnapshotIndex + 1); i <= mustHold; i++)
        {
            if (!_committedTerm.TryGetValue(i, out var term)) continue; // compacted everywhere it was seen
            if (i > leader.LastIndex)
                throw new InvariantViolationException("Leader Completeness",
                    $"leader {leader.Node} of term {leader.Term} lacks committed index {i} (term {term}); its log ends at {leader.LastIndex}");
            var has = leader.TermAt(i);
            if (has != term)
                throw new InvariantViolationException("Leader Completeness",
                    $"leader {leader.Node} of term {leader.Term} has term {has} at committed index {i}, which was committed with term {term}");
        }
        if (mustHold >= from) _verified[key] = mustHold;
    }
}
