namespace RaftKv.Node;

/// <summary>
/// Everything a node needs to run. Defaults fit a loopback cluster: elections within a few hundred
/// milliseconds of a leader's death, and none on an idle machine.
/// </summary>
public sealed record NodeOptions
{
    /// <summary>This node's id: its line in servers.txt, from 0.</summary>
    public required int Id { get; init; }

    /// <summary>
    /// The bootstrap members' "host:port", indexed by node id (servers.txt). Only the first configuration: once the
    /// log or a snapshot holds a committed configuration, that wins, addresses included.
    /// </summary>
    public required IReadOnlyList<string> Servers { get; init; }

    /// <summary>The address this node advertises to peers and clients; defaults to its line in <see cref="Servers"/> (required when it is not listed there, i.e. when joining).</summary>
    public string? Address { get; init; }

    /// <summary>Where to bind ("0.0.0.0:7000", "[::]:7000"); defaults to <see cref="AdvertisedAddress"/>.</summary>
    public string? Listen { get; init; }

    /// <summary>Addresses of members known besides <see cref="Servers"/> (a joining node learns them from the cluster).</summary>
    public IReadOnlyDictionary<int, string> KnownPeers { get; init; } = new Dictionary<int, string>();

    /// <summary>Mutual TLS for peers and clients (--tls-cert, --tls-key, --tls-ca); null for plain TCP.</summary>
    public RaftKv.Protocol.Tls.ClusterTls? Tls { get; init; }

    /// <summary>The address peers and clients reach this node at.</summary>
    public string AdvertisedAddress => Address ?? (Id >= 0 && Id < Servers.Count ? Servers[Id] : throw new ArgumentException($"node {Id} is not in the server list; give --address"));

    public required string DataDirectory { get; init; }

    /// <summary>Identifies the cluster to peers and to the data directory; derived from the server list unless given.</summary>
    public string? ClusterId { get; init; }

    /// <summary>Length of one logical clock tick of the Raft core.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Minimum election timeout; each timeout is drawn from [this, 2×this).</summary>
    public TimeSpan ElectionTimeout { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>How long a client request may wait inside the node before it is answered "unavailable".</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Take a snapshot and compact the log once this many entries were applied since the last one.</summary>
    public long SnapshotEntries { get; init; } = 50_000;

    /// <summary>Also take one once the commands applied since the last one hold this many bytes (--snapshot-log-bytes).</summary>
    public long SnapshotLogBytes { get; init; } = RaftKv.Replica.ReplicaOptions.DefaultSnapshotLogBytes;

    /// <summary>
    /// MiB per second this node writes a snapshot of its own state at, at most, 0 for no limit (--snapshot-write-rate):
    /// a paced snapshot leaves the disk room for the log's fdatasyncs (docs/BENCHMARKS.md, "Snapshots of any size").
    /// </summary>
    public int SnapshotWriteMiBPerSecond { get; init; } = DefaultSnapshotWriteMiBPerSecond;

    /// <summary>The default of <see cref="SnapshotWriteMiBPerSecond"/>.</summary>
    public const int DefaultSnapshotWriteMiBPerSecond = 32;

    /// <summary>Largest value a client may store.</summary>
    public int MaxValueBytes { get; init; } = RaftKv.Protocol.ProtocolLimits.MaxValueBytes;

    /// <summary>fsync every batch; turn off only for experiments, never in production (acknowledged writes could be lost).</summary>
    public bool Fsync { get; init; } = true;

    /// <summary>
    /// Client requests the node holds at once (queued or waiting for their answer); one more is answered
    /// <c>unavailable</c> "overloaded" at once, so a flood of clients cannot grow memory without bound.
    /// </summary>
    public int MaxPendingRequests { get; init; } = 4096;

    /// <summary>Largest frame a peer may send or receive (tests lower it: raftnode reads RAFTKV_TEST_MAX_PEER_FRAME_BYTES).</summary>
    public int MaxPeerFrameBytes { get; init; } = RaftKv.Protocol.ProtocolLimits.DefaultMaxPeerFrameBytes;

    /// <summary>Data bytes per frame of a streamed InstallSnapshot; at most <see cref="MaxPeerFrameBytes"/>.</summary>
    public int SnapshotChunkBytes { get; init; } = RaftKv.Transport.TransportOptions.DefaultSnapshotChunkBytes;

    /// <summary>Where snapshots streamed from the leader are staged until verified: a folder of the data directory.</summary>
    public string SnapshotStagingDirectory => Path.Combine(DataDirectory, "incoming");

    /// <summary>Added to every storage write: a slow disk, for tests only (raftnode reads it from RAFTKV_TEST_FSYNC_DELAY_MS).</summary>
    public TimeSpan InjectedSyncDelay { get; init; } = TimeSpan.Zero;

    public int HeartbeatTicks => Math.Max(1, (int)Math.Round(HeartbeatInterval / TickInterval));
    public int ElectionTicks => Math.Max(HeartbeatTicks + 1, (int)Math.Round(ElectionTimeout / TickInterval));

    public string EffectiveClusterId => ClusterId ?? DeriveClusterId(Servers);

    /// <summary>
    /// A stable id from the initial member list, so that nodes started from the same servers.txt agree
    /// without coordination, and a node of a differently configured cluster is refused.
    /// </summary>
    public static string DeriveClusterId(IReadOnlyList<string> servers)
    {
        // FNV-1a over the addresses: deterministic across processes (string.GetHashCode is not).
        var hash = 14695981039346656037UL;
        foreach (var ch in string.Join("\n", servers))
        {
            hash ^= ch;
            hash *= 1099511628211UL;
        }
        return $"raftkv-{hash:x16}";
    }

    public void Validate()
    {
        if (Servers.Count == 0) throw new ArgumentException("the server list is empty");
        if (Id < 0) throw new ArgumentException($"node id {Id} is negative");
        if (Address is null && Id >= Servers.Count)
            throw new ArgumentException($"node id {Id} is not in the server list (ids 0 to {Servers.Count - 1}); a new member needs --address and --join");
        if (SnapshotEntries < 1) throw new ArgumentException($"--snapshot-entries must be at least 1, was {SnapshotEntries}");
        if (SnapshotLogBytes < 1) throw new ArgumentException($"--snapshot-log-bytes must be at least 1, was {SnapshotLogBytes}");
        if (SnapshotWriteMiBPerSecond < 0) throw new ArgumentException($"--snapshot-write-rate must be 0 (no limit) or more MiB/s, was {SnapshotWriteMiBPerSecond}");
        if (MaxPendingRequests < 1) throw new ArgumentException($"the pending request limit must be at least 1, was {MaxPendingRequests}");
        if (TickInterval <= TimeSpan.Zero) throw new ArgumentException("the tick interval must be positive");
        if (HeartbeatInterval < TickInterval) throw new ArgumentException($"the heartbeat interval ({HeartbeatInterval.TotalMilliseconds} ms) must be at least one tick ({TickInterval.TotalMilliseconds} ms)");
        if (ElectionTimeout < 2 * HeartbeatInterval)
            throw new ArgumentException($"the election timeout ({ElectionTimeout.TotalMilliseconds} ms) must be at least twice the heartbeat interval ({HeartbeatInterval.TotalMilliseconds} ms)");
    }
}
