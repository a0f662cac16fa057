using System.Collections.Immutable;

namespace RaftKv.Core;

/// <summary>
/// Cluster membership: the voters, whose majority decides elections and commits, and the learners,
/// which receive the log but do not vote (thesis §4.2.1: new servers catch up as learners first).
/// <see cref="Addresses"/> says where each member listens ("host:port"); the core never reads it, it only
/// carries it through config entries and snapshots so that the committed configuration, not a file, tells
/// every node where its peers are.
/// </summary>
public sealed record ClusterConfig(int[] Voters, int[] Learners)
{
    public static ClusterConfig OfVoters(params int[] voters) => new(voters.Order().ToArray(), []);

    /// <summary>A configuration of voters 0..n-1 at the given addresses (the bootstrap from servers.txt).</summary>
    public static ClusterConfig OfAddresses(IReadOnlyList<string> addresses) =>
        new(Enumerable.Range(0, addresses.Count).ToArray(), [])
        {
            Addresses = Enumerable.Range(0, addresses.Count).ToImmutableSortedDictionary(i => i, i => addresses[i]),
        };

    /// <summary>Each member's address, when known (members added without an address have none).</summary>
    public ImmutableSortedDictionary<int, string> Addresses { get; init; } = ImmutableSortedDictionary<int, string>.Empty;

    public bool IsVoter(int id) => Array.IndexOf(Voters, id) >= 0;
    public bool IsLearner(int id) => Array.IndexOf(Learners, id) >= 0;
    public bool Contains(int id) => IsVoter(id) || IsLearner(id);
    public IEnumerable<int> Members => Voters.Concat(Learners);

    /// <summary>The address of <paramref name="id"/>, or null when it is not known.</summary>
    public string? AddressOf(int id) => Addresses.TryGetValue(id, out var address) ? address : null;

    public bool Equals(ClusterConfig? other) =>
        other is not null && Voters.AsSpan().SequenceEqual(other.Voters) && Learners.AsSpan().SequenceEqual(other.Learners) &&
        Addresses.Count == other.Addresses.Count && Addresses.All(kv => other.AddressOf(kv.Key) == kv.Value);

    public override int GetHashCode() => HashCode.Combine(Voters.Length, Learners.Length, Voters.FirstOrDefault());

    public override string ToString()
    {
        string Name(int id) => AddressOf(id) is { } a ? $"{id}@{a}" : $"{id}";
        return $"voters [{string.Join(",", Voters.Select(Name))}] learners [{string.Join(",", Learners.Select(Name))}]";
    }
}
