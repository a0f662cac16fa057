namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// Scenario shapes that drive the snapshot paths hard (used by <see cref="SnapshotSimulatorTests"/>, the self-tests,
/// and long searches: <c>RAFTKV_SIM_SHAPE=lagging|compacts-faster|deposed-leader|install-crashes|transfer-crashes</c>).
/// </summary>
public static class SnapshotShapes
{
    /// <summary>A follower cut off while the others write and compact, then back behind a flapping partition; slow links.</summary>
    public static SimulationScenario LaggingFollowerBehindFlappingPartitions(SimulationScenario s) => s with
    {
        Faults = s.Faults | FaultKinds.Compaction | FaultKinds.FlappingPartitions,
        CompactEvery = Math.Min(s.CompactEvery, 10),
        Snapshots = s.Snapshots with { LaggingFollower = true, ChunkBytes = 24, ChunkTime = 4, StallCutChance = 0.05 },
    };

    /// <summary>Compaction after every entry, slow links, and clients that keep writing after the heal.</summary>
    public static SimulationScenario LeaderCompactsFasterThanTheFollowerFetches(SimulationScenario s)
    {
        s = LaggingFollowerBehindFlappingPartitions(s);
        return s with
        {
            CompactEvery = 1,
            Snapshots = s.Snapshots with { RandomCompactionPoints = false, ChunkBytes = 16, ChunkTime = 6, WritesAfterHeal = 40 * s.ElectionTimeout },
        };
    }

    /// <summary>
    /// Leaders are cut off for short spells while clients still write to them (a tail of entries only the deposed leader
    /// holds), the cluster compacts after every entry, and installs are crashed: the snapshot a deposed leader then
    /// needs may end inside its own tail, whose entries then must not survive a crash of the install.
    /// </summary>
    public static SimulationScenario DeposedLeaderNeedsASnapshotInsideItsOwnTail(SimulationScenario s) => s with
    {
        Faults = s.Faults | FaultKinds.Compaction | FaultKinds.Crashes | FaultKinds.LeaderIsolation | FaultKinds.FlappingPartitions,
        CheckQuorum = true,
        CompactEvery = 1,
        MeanFaultInterval = Math.Min(s.MeanFaultInterval, 150),
        Snapshots = s.Snapshots with { LaggingFollower = false, RandomCompactionPoints = false, InstallCrashChance = 1 },
    };

    public static SimulationScenario InstallCrashes(SimulationScenario s)
    {
        s = LaggingFollowerBehindFlappingPartitions(s);
        return s with { Faults = s.Faults | FaultKinds.Crashes, Snapshots = s.Snapshots with { InstallCrashChance = 0.3 } };
    }

    public static SimulationScenario TransferCrashes(SimulationScenario s)
    {
        s = LaggingFollowerBehindFlappingPartitions(s);
        return s with { Faults = s.Faults | FaultKinds.Crashes, Snapshots = s.Snapshots with { TransferCrashChance = 0.03 } };
    }

    /// <summary>The shape called <paramref name="name"/>, or null for none (the seed's own scenario).</summary>
    public static Func<SimulationScenario, SimulationScenario>? Named(string? name) => name switch
    {
        null or "" => null,
        "lagging" => LaggingFollowerBehindFlappingPartitions,
        "compacts-faster" => LeaderCompactsFasterThanTheFollowerFetches,
        "deposed-leader" => DeposedLeaderNeedsASnapshotInsideItsOwnTail,
        "install-crashes" => InstallCrashes,
        "transfer-crashes" => TransferCrashes,
        _ => throw new ArgumentException($"unknown RAFTKV_SIM_SHAPE '{name}': use lagging, compacts-faster, deposed-leader, install-crashes or transfer-crashes"),
    };
}
