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

    /// <summary>The last index the node's snapshot covers: its log starts after it (0: no snapshot).</summary>
    public long SnapshotIndex { get; init; }

    /// <summary>Bytes of the node's data directory on disk: log segments, snapshots, metadata (absent when unknown).</summary>
    public long? DiskBytes { get; init; }
    public int[] Voters { get; init; } = [];
    public int[] Learners { get; init; } = [];

    /// <summary>The id every node of this cluster presents to its peers.</summary>
    public string? ClusterId { get; init; }

    /// <summary>
    /// Every member of the configuration this node has applied, with its address: a client that knows one node
    /// finds all the others here (servers.txt may be older than the membership).
    /// </summary>
    public MemberView[] Members { get; init; } = [];

    /// <summary>The cluster's bootstrap server list (servers.txt when it was created); a joining node starts from it.</summary>
    public string[] BootstrapServers { get; init; } = [];
}
