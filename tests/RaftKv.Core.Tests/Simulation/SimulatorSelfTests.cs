using Xunit.Abstractions;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// The simulator must be able to fail: with a deliberately broken host, disk, configuration or client around the
/// replica (the replica's code untouched) some seed among the first few dozen must be flagged, by the checker meant
/// for that bug.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class SimulatorSelfTests(ITestOutputHelper output)
{
    private SimulationSummary RunSabotaged(Sabotage sabotage, int seeds, Func<SimulationScenario, SimulationScenario>? reshape = null)
    {
        var summary = SimulationRunner.Run(Enumerable.Range(1, seeds), Environment.ProcessorCount, sabotage, reshape);
        output.WriteLine($"{sabotage}: {summary.Failures.Count} of {seeds} seeds flagged");
        foreach (var reason in summary.Failures.Select(f => f.Reason).Distinct().Take(5)) output.WriteLine("  " + reason);
        return summary;
    }

    [Fact]
    public void Simulator_catches_stale_reads_served_without_ReadIndex()
    {
        var summary = RunSabotaged(Sabotage.ReadsWithoutReadIndex, seeds: 20);
        summary.Failures.Should().Contain(f => f.Reason.Contains("Linearizability"));
    }

    [Fact]
    public void Simulator_catches_a_disk_that_forgets_votes()
    {
        // Forgotten votes matter when nodes restart while the term they voted in is still being decided
        // (or, with the term forgotten too, when a majority restarts and re-runs old terms): runs with
        // frequent, short crashes.
        var summary = RunSabotaged(Sabotage.ForgetVotes, seeds: 30, s => s with
        {
            Faults = FaultKinds.Crashes | FaultKinds.CrashesDuringReady,
            MeanFaultInterval = 40,
            MaxDowntime = 15,
        });
        summary.Failures.Should().Contain(f => f.Reason.Contains("Election Safety"));
    }

    [Fact]
    public void Simulator_catches_a_replica_that_acknowledges_before_persisting()
    {
        var summary = RunSabotaged(Sabotage.AckBeforePersist, seeds: 60, s => s with
        {
            Faults = s.Faults | FaultKinds.Crashes | FaultKinds.CrashesDuringReady,
            ReadyCrashRate = 0.05,
            MaxDiskDelay = 20,
        });
        summary.Failures.Should().Contain(f => f.Reason.Contains("Commit durability"));
    }

    [Fact]
    public void Simulator_catches_a_replica_that_applies_a_duplicate()
    {
        var summary = RunSabotaged(Sabotage.RetryWithNewSeq, seeds: 40, s => s with
        {
            Faults = s.Faults | FaultKinds.Drops | FaultKinds.Crashes | FaultKinds.LeaderIsolation,
            DropRate = Math.Max(s.DropRate, 0.1),
        });
        summary.Failures.Should().Contain(f => f.Reason.Contains("Exactly once"));
    }

    [Fact]
    public void Simulator_catches_a_disk_that_loses_writes_reported_durable()
    {
        var summary = RunSabotaged(Sabotage.LoseLastWriteOnCrash, seeds: 60);
        summary.Failures.Should().NotBeEmpty();
    }

    [Fact]
    public void Simulator_catches_a_snapshot_stream_restarted_by_every_newer_snapshot()
    {
        // The livelock of a leader that compacts faster than its follower fetches: with the stream restarted for each
        // newer snapshot, no transfer finishes while clients write, and the catch-up check after the heal fails.
        var summary = RunSabotaged(Sabotage.RestartStreamOnNewerSnapshot, seeds: 20, SnapshotShapes.LeaderCompactsFasterThanTheFollowerFetches);
        summary.Failures.Should().Contain(f => f.Reason.Contains("Liveness"));
    }

    [Fact]
    public void Simulator_catches_an_install_that_keeps_an_old_log_which_does_not_continue_the_snapshot()
    {
        var summary = RunSabotaged(Sabotage.InstallKeepsOldLog, seeds: 120, SnapshotShapes.DeposedLeaderNeedsASnapshotInsideItsOwnTail);
        summary.Failures.Should().Contain(f => f.Reason.Contains("Log Matching") || f.Reason.Contains("Install atomicity"));
    }
}
