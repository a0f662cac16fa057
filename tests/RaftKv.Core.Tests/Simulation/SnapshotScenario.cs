namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// How a run ships and installs snapshots, and which snapshot faults it injects (see ClusterSimulation.Snapshots.cs).
/// Drawn from a random source of its own, seeded from the run's seed, so that adding these knobs left the rest of
/// each seed's scenario and schedule as it was (runs in which no snapshot is ever sent replay unchanged).
/// Virtual time is in the simulator's units (a tick is 10).
/// </summary>
public sealed record SnapshotScenario
{
    /// <summary>Bytes per chunk of a snapshot stream (the real transport's <c>SnapshotChunkBytes</c>, scaled to the simulator's tiny states).</summary>
    public required int ChunkBytes { get; init; }

    /// <summary>Virtual time one chunk takes to cross the link (the link's bandwidth).</summary>
    public required int ChunkTime { get; init; }

    /// <summary>At each step a stream stands still because a partition blocks its link, the chance that the connection breaks then.</summary>
    public required double StallCutChance { get; init; }

    /// <summary>A stream that has stood still this long breaks (TCP's retransmission timeout, scaled).</summary>
    public required int StallTimeout { get; init; }

    /// <summary>With crashes: the chance per chunk that the sender or the receiver crashes (mid-transfer).</summary>
    public required double TransferCrashChance { get; init; }

    /// <summary>With crashes: the chance that the receiver crashes while it stores a leader's snapshot (mid-install; at one of two points).</summary>
    public required double InstallCrashChance { get; init; }

    /// <summary>Each incarnation of a node draws its own compaction threshold (1 to twice the scenario's), so nodes compact at different points.</summary>
    public required bool RandomCompactionPoints { get; init; }

    /// <summary>Compaction after every entry or two (the scenario's threshold is overridden).</summary>
    public required bool VeryFrequentCompaction { get; init; }

    /// <summary>When set, nodes also compact once this many bytes of commands were applied since the last snapshot.</summary>
    public required long? CompactLogBytes { get; init; }

    /// <summary>
    /// One follower is cut off from everyone (or down) for most of the chaos while the others write and compact, then
    /// rejoins while a partition around it flaps: it needs a snapshot, and its transfers are cut and resumed.
    /// </summary>
    public required bool LaggingFollower { get; init; }

    /// <summary>
    /// With <see cref="LaggingFollower"/>: the node cut off is the leader of the moment. Deposed, it keeps the entries
    /// it appended alone (a log that diverges from the cluster's), and the snapshot it then needs may end inside them.
    /// </summary>
    public required bool LaggingLeader { get; init; }

    /// <summary>
    /// After the heal, clients keep writing this long (0: they stop as soon as each has completed an operation), and
    /// every member must meanwhile apply at least what was committed at the heal: a follower that needs a snapshot
    /// must catch up while the leader keeps compacting (no livelock where the leader compacts faster than it fetches).
    /// </summary>
    public required int WritesAfterHeal { get; init; }

    /// <summary>Draws the snapshot knobs of the run with seed <paramref name="seed"/>.</summary>
    public static SnapshotScenario Draw(int seed, FaultKinds faults, int electionTimeout)
    {
        var rng = new Random(unchecked(seed * 1_000_003 + 0x5eed));
        var compaction = (faults & FaultKinds.Compaction) != 0;
        var crashes = (faults & FaultKinds.Crashes) != 0;
        // Link speeds from "a snapshot is one chunk that arrives at once" to "a transfer spans many election timeouts".
        var chunkBytes = rng.Next(4) switch { 0 => 1 << 20, 1 => rng.Next(256, 2048), _ => rng.Next(16, 256) };
        return new SnapshotScenario
        {
            ChunkBytes = chunkBytes,
            ChunkTime = rng.Next(3) == 0 ? rng.Next(4, 12) : rng.Next(1, 4),
            StallCutChance = rng.Next(3) == 0 ? 0 : rng.NextDouble() * 0.3,
            StallTimeout = rng.Next(2, 20) * electionTimeout,
            TransferCrashChance = crashes && rng.Next(2) == 0 ? 0.002 + rng.NextDouble() * 0.02 : 0,
            InstallCrashChance = crashes && rng.Next(2) == 0 ? 0.05 + rng.NextDouble() * 0.25 : 0,
            RandomCompactionPoints = compaction && rng.Next(2) == 0,
            VeryFrequentCompaction = compaction && rng.Next(5) == 0,
            CompactLogBytes = compaction && rng.Next(4) == 0 ? rng.Next(40, 2000) : null,
            LaggingFollower = compaction && rng.Next(3) == 0,
            LaggingLeader = rng.Next(2) == 0,
            WritesAfterHeal = compaction && rng.Next(5) == 0 ? rng.Next(20, 40) * electionTimeout : 0,
        };
    }

    public override string ToString() =>
        $"chunks of {ChunkBytes} bytes every {ChunkTime}, stall cut {StallCutChance:0.###} timeout {StallTimeout}, " +
        $"crash mid-transfer {TransferCrashChance:0.####} mid-install {InstallCrashChance:0.###}, random compaction points {RandomCompactionPoints}, very frequent {VeryFrequentCompaction}, " +
        $"compact log bytes {CompactLogBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "off"}, lagging follower {LaggingFollower} (leader {LaggingLeader}), writes after heal {WritesAfterHeal}";
}
