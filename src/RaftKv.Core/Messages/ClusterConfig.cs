namespace RaftKv.Core;

/// <summary>
/// Cluster membership: the voters, whose majority decides elections and commits, and the learners,
/// which receive the log but do not vote (thesis §4.2.1: new servers catch up as learners first).
/// </summary>
public sealed record ClusterConfig(int[] Voters, int[] Learners)
{
    public static ClusterConfig OfVoters(params int[] voters) => new(voters.Order().ToArray(), []);

    public bool IsVoter(int id) => Array.IndexOf(Voters, id) >= 0;
    public bool IsLearner(int id) => Array.IndexOf(Learners, id) >= 0;
    public bool Contains(int id) => IsVoter(id) || IsLearner(id);
    public IEnumerable<int> Members => Voters.Concat(Learners);

    public bool Equals(ClusterConfig? other) =>
        other is not null && Voters.AsSpan().SequenceEqual(other.Voters) && Learners.AsSpan().SequenceEqual(other.Learners);

    public override int GetHashCode() => HashCode.Combine(Voters.Length, Learners.Length, Voters.FirstOrDefault());

    public override string ToString() => $"voters [{string.Join(",", Voters)}] learners [{string.Join(",", Learners)}]";
}
