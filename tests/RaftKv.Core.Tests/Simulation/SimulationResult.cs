namespace RaftKv.Core.Tests.Simulation;

/// <summary>What one seed's run did (for the totals printed by the tests).</summary>
public sealed record SimulationResult
{
    public required int Seed { get; init; }
    public required int NodeCount { get; init; }
    public required FaultKinds Faults { get; init; }
    public long Steps { get; init; }
    public long VirtualTime { get; init; }
    public int Elections { get; init; }
    public int CommandsCommitted { get; init; }
    public int WritesAcknowledged { get; init; }
    public int ReadsCompleted { get; init; }
    public int Retries { get; init; }
    public int LateDuplicates { get; init; }
    public int Registrations { get; init; }
    public int DiskFullEpisodes { get; init; }
    public int Crashes { get; init; }
    public int Partitions { get; init; }
    public int SnapshotsInstalled { get; init; }
    public int Compactions { get; init; }
    public int Transfers { get; init; }
    public int MembershipChanges { get; init; }
    public long MessagesDelivered { get; init; }
    public long MessagesLost { get; init; }

    /// <summary>What the run did with snapshot streams and installs.</summary>
    public SnapshotTransferStats Snapshots { get; init; } = new();

    /// <summary>Virtual time from healing until a leader committed everything and every member applied it.</summary>
    public long RecoveryTime { get; init; }
}
