namespace RaftKv.Core.Tracking;

/// <summary>Majority arithmetic over a set of voters.</summary>
public static class Quorum
{
    public static int Majority(int voters) => voters / 2 + 1;

    /// <summary>
    /// The largest index replicated on a majority of voters: sort the match indexes descending and
    /// take the one at position majority-1.
    /// </summary>
    public static long CommittedIndex(IReadOnlyList<int> voters, Func<int, long> matchOf)
    {
        if (voters.Count == 0) return long.MaxValue;
        Span<long> matches = voters.Count <= 16 ? stackalloc long[voters.Count] : new long[voters.Count];
        for (var i = 0; i < voters.Count; i++) matches[i] = matchOf(voters[i]);
        matches.Sort();
        // Ascending order: the majority-th largest sits at Count - Majority.
        return matches[voters.Count - Majority(voters.Count)];
    }

    /// <summary>Outcome of an election given the votes received so far.</summary>
    public static VoteResult Tally(IReadOnlyList<int> voters, IReadOnlyDictionary<int, bool> votes)
    {
        int granted = 0, rejected = 0;
        foreach (var v in voters)
        {
            if (!votes.TryGetValue(v, out var g)) continue;
            if (g) granted++; else rejected++;
        }
        var q = Majority(voters.Count);
        if (granted >= q) return VoteResult.Won;
        if (rejected > voters.Count - q) return VoteResult.Lost;
        return VoteResult.Pending;
    }
}
