namespace RaftKv.Protocol;

/// <summary>A node's own view of the cluster, as returned by the status operation.</summary>
public sealed record NodeStatus
{
    public int Id { get; init; }
    public string Address { get; init; } = "";

    /// <summary>"leader", "follower", "candidate" or "precandidate".</summary>
    public string Role { get; init; } = "";
    public long Term { get; init; }
    public int? LeaderId { get; init; }
    public long FirstIndex { get; init; }
    public long LastIndex { get; init; }
    public long CommitIndex { get; init; }
    public long AppliedIndex { get; init; }
    public int[] Voters { get; init; } = [];
    public int[] Learners { get; init; } = [];
}
