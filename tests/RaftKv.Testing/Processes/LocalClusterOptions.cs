namespace RaftKv.Testing.Processes;

/// <summary>How <see cref="LocalCluster"/> starts its nodes.</summary>
public sealed record LocalClusterOptions
{
    /// <summary>Number of raftnode processes.</summary>
    public int NodeCount { get; init; } = 3;

    /// <summary>raftnode --heartbeat-ms.</summary>
    public int HeartbeatMs { get; init; } = 50;

    /// <summary>raftnode --election-timeout-ms. The default (300) is above the product's 150 so that a loaded 2-core machine does not cause spurious elections.</summary>
    public int ElectionTimeoutMs { get; init; } = 300;

    /// <summary>raftnode --log-level: Trace, Debug, Information, Warning or Error.</summary>
    public string LogLevel { get; init; } = "Information";

    /// <summary>raftnode --unsafe-no-fsync. Off by default: crash tests need real durability.</summary>
    public bool UnsafeNoFsync { get; init; }

    /// <summary>More raftnode arguments, appended to each node's command line.</summary>
    /// <summary>Serve each node's dashboard and HTTP endpoints on a free loopback port (see <see cref="LocalCluster.HttpUrl"/>); off (--http none) otherwise.</summary>
    public bool Http { get; init; }

    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Environment variables for every node (such as raftnode's RAFTKV_TEST_FSYNC_DELAY_MS fault hook).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Lines of each node's output kept in memory for failure messages (the file keeps everything).</summary>
    public int OutputTailLines { get; init; } = 200;

    /// <summary>Keep the temp directory after dispose (logs and data) for a closer look.</summary>
    public bool KeepDirectory { get; init; }

    /// <summary>How long a graceful stop (SIGINT) may take in <see cref="LocalCluster.DisposeAsync"/> paths that wait for it.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public void Validate()
    {
        if (NodeCount < 1) throw new ArgumentException($"NodeCount must be at least 1, was {NodeCount}", nameof(NodeCount));
        if (HeartbeatMs < 1) throw new ArgumentException($"HeartbeatMs must be positive, was {HeartbeatMs}", nameof(HeartbeatMs));
        if (ElectionTimeoutMs <= HeartbeatMs)
            throw new ArgumentException($"ElectionTimeoutMs ({ElectionTimeoutMs}) must be above HeartbeatMs ({HeartbeatMs})", nameof(ElectionTimeoutMs));
        if (OutputTailLines < 1) throw new ArgumentException($"OutputTailLines must be positive, was {OutputTailLines}", nameof(OutputTailLines));
    }
}
