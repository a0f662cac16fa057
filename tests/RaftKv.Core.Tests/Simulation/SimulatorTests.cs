using System.Globalization;
using Xunit.Abstractions;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// The cluster simulator as tests. Each seed is one deterministic run; a failure prints the seed and the
/// command that replays it:
/// <code>RAFTKV_SIM_SEED=12345 dotnet test tests/RaftKv.Core.Tests --filter Simulator_replays_one_seed</code>
/// A long search before a release (about a minute per 2,000 seeds on two cores):
/// <code>RAFTKV_SIM_SEEDS=100000 dotnet test tests/RaftKv.Core.Tests --filter Simulator_long_search</code>
/// (RAFTKV_SIM_FIRST_SEED picks where the search starts; the default continues after the CI seeds.)
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class SimulatorTests(ITestOutputHelper output)
{
    /// <summary>Seeds every CI run checks.</summary>
    private const int CiSeeds = 10_000;

    private void Print(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    private void AssertNoFailures(SimulationSummary summary)
    {
        Print(summary.ToString());
        foreach (var failure in summary.Failures.Take(3)) Print(failure.Message);
        summary.Failures.Should().BeEmpty(
            "every seed must keep the Raft invariants; failing seeds: {0}. Replay one with: {1}",
            string.Join(", ", summary.Failures.Select(f => f.Seed)),
            summary.Failures.Count > 0 ? SimulationFailureException.ReplayCommand(summary.Failures[0].Seed) : "");
    }

    [Fact]
    public void Simulator_holds_invariants_across_seeds()
    {
        var summary = SimulationRunner.Run(Enumerable.Range(1, CiSeeds), Environment.ProcessorCount);
        AssertNoFailures(summary);
        summary.Results.Should().Contain(r => r.NodeCount == 3).And.Contain(r => r.NodeCount == 5);
        summary.Results.Sum(r => r.WritesAcknowledged).Should().BePositive();
        summary.Results.Sum(r => r.ReadsCompleted).Should().BePositive();
        // The CI seeds cover snapshots under faults too (SnapshotSimulatorTests drives each path on purpose).
        var snapshots = SnapshotTransferStats.Sum(summary.Results.Select(r => r.Snapshots));
        snapshots.Delivered.Should().BePositive();
        snapshots.DeliveredAfterStall.Should().BePositive();
        snapshots.DeliveredAfterSenderCompacted.Should().BePositive();
        snapshots.CutByPartition.Should().BePositive();
        snapshots.CutBySenderCrash.Should().BePositive();
        snapshots.CutByReceiverCrash.Should().BePositive();
        snapshots.InstallCrashesBeforeFile.Should().BePositive();
        snapshots.InstallCrashesBeforeReset.Should().BePositive();
        snapshots.RestartsWithNewState.Should().BePositive();
        snapshots.InstallsDroppingOldEntries.Should().BePositive();
        snapshots.LaggingFollowerInstalls.Should().BePositive();
        snapshots.CaughtUpWhileWriting.Should().BePositive();
    }

    [Fact]
    public void Simulator_replays_one_seed()
    {
        var seed = EnvironmentInt("RAFTKV_SIM_SEED") ?? 1;
        // RAFTKV_SIM_TRACE=<n> prints the last n events even when the seed passes.
        var traceCapacity = EnvironmentInt("RAFTKV_SIM_TRACE");
        // RAFTKV_SIM_SHAPE=<name> replays a seed of a shaped long search (SnapshotShapes).
        var shape = SnapshotShapes.Named(Environment.GetEnvironmentVariable("RAFTKV_SIM_SHAPE"));
        var first = new ClusterSimulation(seed, traceCapacity ?? 400, reshape: shape);
        Print(first.Scenario.ToString());
        SimulationResult result;
        try
        {
            result = first.Run();
        }
        catch (SimulationFailureException e)
        {
            Print(e.Message);
            throw;
        }
        Print(result.ToString());
        if (traceCapacity is not null) Print(first.RecentEvents);
        // Determinism: the same seed gives the same run, step for step.
        new ClusterSimulation(seed, reshape: shape).Run().Should().Be(result);
    }

    /// <summary>
    /// Seeds that found a bug, kept as regression tests, with the scenario shape that found them. A seed replays
    /// the exact same run only with the simulator of the commit that added it; later simulator changes reshuffle
    /// what a seed does, but it stays a valid, once-interesting schedule.
    /// </summary>
    [Theory]
    // Livelock without PreVote: candidates with stale logs and fast clocks restarted everyone's election
    // timer with each higher-term vote request, so the up-to-date nodes never campaigned.
    [InlineData(1102)]
    public void Simulator_regression_seed_without_PreVote_and_with_skewed_clocks_holds(int seed)
    {
        var result = new ClusterSimulation(seed, reshape: s => s with { PreVote = false, Faults = s.Faults | FaultKinds.ClockSkew }).Run();
        Print(result.ToString());
        result.RecoveryTime.Should().BePositive();
    }

    /// <summary>
    /// Regression seeds. 7002066 and 7005135 were found by long searches of the core-only simulator: a TimeoutNow
    /// reached a node after its own removal was committed but before it was applied; it campaigned, won, and
    /// crashed in BecomeLeader. 24, 682, 1549 and 1647 failed while the simulator learned to run the replica (each a
    /// flaw of the simulator, not of the replica): a commit decided under the configuration a membership change
    /// replaced within the same flush (24), and events held back by a pause overtaken by newer ones when healing
    /// cut the pause short (682, 1549, 1647: storage completions reported out of order). Since the simulator changed,
    /// each now replays a different (still once-interesting) schedule.
    /// </summary>
    [Theory]
    [InlineData(7002066)]
    [InlineData(7005135)]
    [InlineData(24)]
    [InlineData(682)]
    [InlineData(1549)]
    [InlineData(1647)]
    // Clients re-registering on every attempt timeout outran a cluster replicating one tiny entry at a time.
    [InlineData(6993)]
    // A leader that applied its own removal stepped down at once; the remaining voter had missed that commit, so it
    // still needed the removed node's vote (refused: removed nodes did not vote, or had a longer log). Found by the
    // 1,000,000-seed search from 70,000,000.
    [InlineData(70136815)]
    [InlineData(70152291)]
    // Retries of a write still in flight each appended a copy; on a slow cluster (one entry per message, long disk
    // delays) the backlog outgrew what it could commit and no client got an answer in time. The other two seeds of
    // that search stopped failing with the same change (their schedules changed with it).
    [InlineData(70558952)]
    [InlineData(70747705)]
    [InlineData(70778084)]
    // A sole voter led a term before its own vote was durable; its disk was full, it crashed, restarted in the term
    // before and led "the same" term again with another log (Leader Append-Only). Found by the search from 73,000,000.
    [InlineData(73054861)]
    // PreVote and CheckQuorum off: a removed node that never learned of its removal campaigned in ever higher terms and,
    // through a lagging member whose configuration still counted it, deposed every leader before that member's slow
    // snapshot could arrive. The leader lease now holds without CheckQuorum too (thesis §4.2.3).
    [InlineData(73069396)]
    // A removed leader handed over to a voter that had not learned the removal committed; that voter's no-op reached
    // the removed node only, the voter crashed before it was durable, and could never again win the removed node's
    // vote, while the removed node no longer campaigned. A removed node holding entries not known to be committed now
    // campaigns to hand them over (thesis §4.2.2). Found by the search from 74,000,000.
    [InlineData(74203318)]
    // The same change with PreVote off: the stranded leaver, on a fast clock, raised the term with every attempt and
    // took the vote the lagging voter would have given the up-to-date one, term after term. It now always asks for
    // pre-votes first. Found by the search from 75,000,000.
    [InlineData(75214065)]
    // Simulator flaw, not the replica's: a snapshot of 12 KB on a link of 19 bytes per 9 time units takes 5,700 per
    // transfer, and the liveness deadline did not allow for a follower to wait out one stream and receive another.
    // Found by the search from 71,000,000 (simsnap); the deadline now allows two transfers of the largest snapshot.
    [InlineData(71029824)]
    public void Simulator_regression_seed_holds(int seed)
    {
        var result = new ClusterSimulation(seed).Run();
        Print(result.ToString());
        result.WritesAcknowledged.Should().BePositive();
    }

    /// <summary>
    /// Session churn past the limit (issue 8): a session table barely larger than the clients, one-shot sessions
    /// pushing the clients' own out, and late duplicates of old requests. Every late retry must be refused (the
    /// session expired) or deduplicated, never applied again; the exactly-once checker watches every applied entry.
    /// </summary>
    [Fact]
    public void Simulator_holds_exactly_once_with_sessions_churned_past_the_limit_and_late_retries()
    {
        var summary = SimulationRunner.Run(Enumerable.Range(20_000, 200), Environment.ProcessorCount, reshape: s => s with
        {
            MaxSessions = s.ClientCount + 1,
            Faults = s.Faults | FaultKinds.SessionChurn | FaultKinds.LateDuplicates,
        });
        AssertNoFailures(summary);
        summary.Results.Sum(r => r.LateDuplicates).Should().BePositive();
        summary.Results.Sum(r => r.Registrations).Should().BeGreaterThan(200 * 4, "one-shot sessions churn the table many times over");
    }

    [Fact]
    public void Simulator_long_search()
    {
        // Unset, it checks a few seeds beyond the CI range, so the search itself stays exercised.
        var count = EnvironmentInt("RAFTKV_SIM_SEEDS") ?? 20;
        var first = EnvironmentInt("RAFTKV_SIM_FIRST_SEED") ?? 1_000_000;
        // RAFTKV_SIM_SHAPE=<name> shapes every seed to drive one snapshot path hard (SnapshotShapes); replay a failure
        // with the same RAFTKV_SIM_SHAPE and Simulator_replays_one_seed.
        var shape = SnapshotShapes.Named(Environment.GetEnvironmentVariable("RAFTKV_SIM_SHAPE"));
        AssertNoFailures(SimulationRunner.Run(Enumerable.Range(first, count), Environment.ProcessorCount, reshape: shape));
    }

    private static int? EnvironmentInt(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
}
