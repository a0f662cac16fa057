namespace RaftKv.Protocol;

/// <summary>One member of the cluster, as listed by memberList and status.</summary>
public sealed record MemberView
{
    /// <summary>
    /// A learner is promoted only when its log is at most this many entries behind the leader's last index
    /// (and it answered the leader within the last election timeout).
    /// </summary>
    public const long MaxPromoteLag = 100;

    public int Id { get; init; }

    /// <summary>"host:port", or null when the configuration holds no address for this member.</summary>
    public string? Address { get; init; }

    /// <summary>"voter" or "learner".</summary>
    public string Role { get; init; } = "";

    public bool IsLeader { get; init; }

    /// <summary>memberList only: whether the leader heard from it recently (the leader itself: true).</summary>
    public bool? Reachable { get; init; }

    /// <summary>memberList only: the highest log index known to be replicated on it.</summary>
    public long? Match { get; init; }

    /// <summary>memberList only: how many entries it is behind the leader's last index.</summary>
    public long? Lag { get; init; }
}
