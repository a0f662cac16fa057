using Xunit.Abstractions;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// Snapshots under faults (issue 9), each path driven by a scenario shaped for it and run on a handful of fixed seeds.
/// Every test also asserts that its path was taken (streams cut, installs crashed, ...), so a scenario that stopped
/// producing it fails here instead of passing without having tested anything. The model is described in
/// ClusterSimulation.Snapshots.cs.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class SnapshotSimulatorTests(ITestOutputHelper output)
{
    private SnapshotTransferStats Run(int firstSeed, int seeds, Func<SimulationScenario, SimulationScenario> reshape)
    {
        var summary = SimulationRunner.Run(Enumerable.Range(firstSeed, seeds), Environment.ProcessorCount, reshape: reshape);
        output.WriteLine(summary.ToString());
        foreach (var failure in summary.Failures.Take(2)) output.WriteLine(failure.Message);
        summary.Failures.Should().BeEmpty("every seed must keep every invariant; failing seeds: {0}", string.Join(", ", summary.Failures.Select(f => f.Seed)));
        return SnapshotTransferStats.Sum(summary.Results.Select(r => r.Snapshots));
    }

    /// <summary>A follower cut off while the others write and compact, then back behind a flapping partition; slow links.</summary>
    internal static SimulationScenario LaggingFollowerBehindFlappingPartitions(SimulationScenario s) => s with
    {
        Faults = s.Faults | FaultKinds.Compaction | FaultKinds.FlappingPartitions,
        CompactEvery = Math.Min(s.CompactEvery, 10),
        Snapshots = s.Snapshots with { LaggingFollower = true, ChunkBytes = 24, ChunkTime = 4, StallCutChance = 0.05 },
    };

    [Fact]
    public void Follower_needing_a_snapshot_catches_up_while_partitions_flap()
    {
        var stats = Run(40_000, 30, LaggingFollowerBehindFlappingPartitions);
        stats.LaggingFollowerInstalls.Should().BePositive("the lagging follower must catch up by snapshot");
        stats.CutByPartition.Should().BePositive("the flapping partition must break some streams");
        stats.DeliveredAfterStall.Should().BePositive("some streams must stand still behind the partition and then finish");
    }

    [Fact]
    public void Snapshot_stream_cut_by_a_crash_of_either_end_is_offered_again_and_completes()
    {
        var stats = Run(41_000, 30, s =>
        {
            s = LaggingFollowerBehindFlappingPartitions(s);
            return s with { Faults = s.Faults | FaultKinds.Crashes, Snapshots = s.Snapshots with { TransferCrashChance = 0.03 } };
        });
        stats.CutBySenderCrash.Should().BePositive();
        stats.CutByReceiverCrash.Should().BePositive();
        stats.CrashesMidTransfer.Should().BePositive();
        stats.LaggingFollowerInstalls.Should().BePositive("streams offered again after a crash must still deliver");
    }

    [Fact]
    public void Crash_mid_install_restarts_with_the_old_state_or_the_new_never_a_mix()
    {
        var stats = Run(42_000, 30, s =>
        {
            s = LaggingFollowerBehindFlappingPartitions(s);
            return s with { Faults = s.Faults | FaultKinds.Crashes, Snapshots = s.Snapshots with { InstallCrashChance = 0.3 } };
        });
        stats.InstallCrashesBeforeFile.Should().BePositive("crashes while the snapshot file is written");
        stats.InstallCrashesBeforeReset.Should().BePositive("crashes with the snapshot file in place and the log not yet reset");
        stats.RestartsWithOldState.Should().BePositive();
        stats.RestartsWithNewState.Should().BePositive();
    }

    /// <summary>Compaction after every entry, slow links, and clients that keep writing after the heal.</summary>
    internal static SimulationScenario LeaderCompactsFasterThanTheFollowerFetches(SimulationScenario s)
    {
        s = LaggingFollowerBehindFlappingPartitions(s);
        return s with
        {
            CompactEvery = 1,
            Snapshots = s.Snapshots with { RandomCompactionPoints = false, ChunkBytes = 16, ChunkTime = 6, WritesAfterHeal = 40 * s.ElectionTimeout },
        };
    }

    [Fact]
    public void Follower_catches_up_while_the_leader_compacts_faster_than_it_fetches()
    {
        const int seeds = 20;
        var stats = Run(43_000, seeds, LeaderCompactsFasterThanTheFollowerFetches);
        stats.CompactionsDuringTransfer.Should().BePositive("the leader must compact again while a stream is under way");
        stats.DeliveredAfterSenderCompacted.Should().BePositive("streams of a snapshot the leader has since replaced must still finish");
        stats.OffersIgnored.Should().BePositive("the core's repeated offers must not restart the stream under way");
        stats.CaughtUpWhileWriting.Should().Be(seeds, "in every run every member must apply what was committed at the heal while writes go on");
    }

    /// <summary>
    /// Leaders are cut off for short spells while clients still write to them (a tail of entries only the deposed leader
    /// holds), the cluster compacts after every entry, and installs are crashed: the snapshot a deposed leader then
    /// needs may end inside its own tail, whose entries then must not survive a crash of the install.
    /// </summary>
    internal static SimulationScenario DeposedLeaderNeedsASnapshotInsideItsOwnTail(SimulationScenario s) => s with
    {
        Faults = s.Faults | FaultKinds.Compaction | FaultKinds.Crashes | FaultKinds.LeaderIsolation | FaultKinds.FlappingPartitions,
        CheckQuorum = true,
        CompactEvery = 1,
        MeanFaultInterval = Math.Min(s.MeanFaultInterval, 150),
        Snapshots = s.Snapshots with { LaggingFollower = false, RandomCompactionPoints = false, InstallCrashChance = 1 },
    };

    [Fact]
    public void Install_over_a_deposed_leaders_own_tail_drops_the_entries_that_do_not_continue_the_snapshot()
    {
        var stats = Run(44_000, 120, DeposedLeaderNeedsASnapshotInsideItsOwnTail);
        stats.InstallsDroppingOldEntries.Should().BePositive("some installs must land inside a log that diverged from the cluster's");
        stats.InstallCrashesBeforeReset.Should().BePositive();
        stats.RestartsWithNewState.Should().BePositive();
    }
}
