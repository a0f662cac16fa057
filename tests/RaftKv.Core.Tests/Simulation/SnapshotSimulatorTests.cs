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

    [Fact]
    public void Follower_needing_a_snapshot_catches_up_while_partitions_flap()
    {
        var stats = Run(40_000, 30, SnapshotShapes.LaggingFollowerBehindFlappingPartitions);
        stats.LaggingFollowerInstalls.Should().BePositive("the lagging follower must catch up by snapshot");
        stats.CutByPartition.Should().BePositive("the flapping partition must break some streams");
        stats.DeliveredAfterStall.Should().BePositive("some streams must stand still behind the partition and then finish");
    }

    [Fact]
    public void Snapshot_stream_cut_by_a_crash_of_either_end_is_offered_again_and_completes()
    {
        var stats = Run(41_000, 30, SnapshotShapes.TransferCrashes);
        stats.CutBySenderCrash.Should().BePositive();
        stats.CutByReceiverCrash.Should().BePositive();
        stats.CrashesMidTransfer.Should().BePositive();
        stats.LaggingFollowerInstalls.Should().BePositive("streams offered again after a crash must still deliver");
    }

    [Fact]
    public void Crash_mid_install_restarts_with_the_old_state_or_the_new_never_a_mix()
    {
        var stats = Run(42_000, 30, SnapshotShapes.InstallCrashes);
        stats.InstallCrashesBeforeFile.Should().BePositive("crashes while the snapshot file is written");
        stats.InstallCrashesBeforeReset.Should().BePositive("crashes with the snapshot file in place and the log not yet reset");
        stats.RestartsWithOldState.Should().BePositive();
        stats.RestartsWithNewState.Should().BePositive();
    }

    [Fact]
    public void Follower_catches_up_while_the_leader_compacts_faster_than_it_fetches()
    {
        const int seeds = 20;
        var stats = Run(43_000, seeds, SnapshotShapes.LeaderCompactsFasterThanTheFollowerFetches);
        stats.CompactionsDuringTransfer.Should().BePositive("the leader must compact again while a stream is under way");
        stats.DeliveredAfterSenderCompacted.Should().BePositive("streams of a snapshot the leader has since replaced must still finish");
        stats.OffersIgnored.Should().BePositive("the core's repeated offers must not restart the stream under way");
        stats.CaughtUpWhileWriting.Should().Be(seeds, "in every run every member must apply what was committed at the heal while writes go on");
    }

    [Fact]
    public void Install_over_a_deposed_leaders_own_tail_drops_the_entries_that_do_not_continue_the_snapshot()
    {
        var stats = Run(44_000, 120, SnapshotShapes.DeposedLeaderNeedsASnapshotInsideItsOwnTail);
        stats.InstallsDroppingOldEntries.Should().BePositive("some installs must land inside a log that diverged from the cluster's");
        stats.InstallCrashesBeforeReset.Should().BePositive();
        stats.RestartsWithNewState.Should().BePositive();
    }
}
