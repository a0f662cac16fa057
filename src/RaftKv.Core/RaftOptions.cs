namespace RaftKv.Core;

/// <summary>
/// The core's settings. Time is counted in ticks: the driver calls <see cref="Raft.Tick"/> at a
/// fixed interval, so the core itself never reads a clock.
/// </summary>
public sealed record RaftOptions
{
    public required int Id { get; init; }

    /// <summary>The configuration a new cluster starts with (ignored once a snapshot or config entry says otherwise).</summary>
    public required ClusterConfig InitialConfig { get; init; }

    /// <summary>Heartbeat interval in ticks.</summary>
    public int HeartbeatTicks { get; init; } = 1;

    /// <summary>
    /// Base election timeout in ticks. Each timeout is drawn uniformly from [ElectionTicks, 2*ElectionTicks)
    /// (Raft §5.2: randomized timeouts make split votes rare).
    /// </summary>
    public int ElectionTicks { get; init; } = 10;

    /// <summary>PreVote (thesis §9.6): a node that cannot win does not bump terms and depose a healthy leader.</summary>
    public bool PreVote { get; init; } = true;

    /// <summary>CheckQuorum (thesis §6.2): a leader that has not heard from a majority for an election timeout steps down.</summary>
    public bool CheckQuorum { get; init; } = true;

    /// <summary>Most AppendEntries messages in flight to one follower before waiting for replies (pipelining window).</summary>
    public int MaxInflightMessages { get; init; } = 64;

    /// <summary>Upper bound on the entry bytes in one AppendEntries message (at least one entry is always sent).</summary>
    public int MaxMessageBytes { get; init; } = 1 << 20;

    /// <summary>Proposals refused while the log holds more than this many uncommitted bytes (0 = no limit).</summary>
    public long MaxUncommittedBytes { get; init; } = 64L << 20;

    public void Validate()
    {
        if (Id < 0) throw new ArgumentException($"Id must be >= 0, was {Id}");
        if (HeartbeatTicks < 1) throw new ArgumentException($"HeartbeatTicks must be >= 1, was {HeartbeatTicks}");
        if (ElectionTicks <= HeartbeatTicks)
            throw new ArgumentException($"ElectionTicks ({ElectionTicks}) must be greater than HeartbeatTicks ({HeartbeatTicks})");
        if (MaxInflightMessages < 1) throw new ArgumentException($"MaxInflightMessages must be >= 1, was {MaxInflightMessages}");
        if (MaxMessageBytes < 1) throw new ArgumentException($"MaxMessageBytes must be >= 1, was {MaxMessageBytes}");
        if (InitialConfig.Voters.Length == 0) throw new ArgumentException("InitialConfig must name at least one voter");
    }
}
