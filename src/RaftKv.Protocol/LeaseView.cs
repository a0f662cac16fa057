namespace RaftKv.Protocol;

/// <summary>A lease: its id, its granted TTL in seconds, the seconds left before the leader expires it (when known) and its keys.</summary>
public sealed record LeaseView
{
    public long Id { get; init; }
    public long Ttl { get; init; }

    /// <summary>Seconds left (rounded up) as the leader counts them; null when asked of a node that is not the leader.</summary>
    public long? Remaining { get; init; }

    public string[]? Keys { get; init; }
}
