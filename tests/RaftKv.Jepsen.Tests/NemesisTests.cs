using System.Diagnostics;
using RaftKv.Jepsen.Tests.Runs;
using RaftKv.Testing.Faults;
using RaftKv.Linearizability;
using Xunit.Abstractions;

namespace RaftKv.Jepsen.Tests;

/// <summary>
/// Nemesis runs against real raftnode processes. The CI set is a few seeds of mixed faults on 3 and 5 nodes;
/// RAFTKV_JEPSEN_SEED replays one run and RAFTKV_JEPSEN_SOAK_MINUTES runs a long soak (see README.md).
/// </summary>
public sealed class NemesisTests(ITestOutputHelper output)
{
    private static readonly FaultKind[] Partitions =
        [FaultKind.MajorityMinority, FaultKind.IsolateLeader, FaultKind.OneWay, FaultKind.Bridge, FaultKind.Flapping];

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 5)]
    [InlineData(3, 3)]
    public Task Mixed_faults_keep_the_history_linearizable_and_the_replicas_identical(int seed, int nodes) =>
        RunAndAssertAsync(new NemesisRunOptions { Seed = seed, Nodes = nodes, Duration = TimeSpan.FromSeconds(20) });

    [Fact]
    public Task Paused_leader_serves_no_stale_reads_and_loses_no_acknowledged_write() =>
        RunAndAssertAsync(new NemesisRunOptions { Seed = 11, Nodes = 3, Duration = TimeSpan.FromSeconds(15), Faults = [FaultKind.Pause] });

    [Fact]
    public Task Partitions_of_every_kind_keep_the_history_linearizable_on_five_nodes() =>
        RunAndAssertAsync(new NemesisRunOptions { Seed = 12, Nodes = 5, Duration = TimeSpan.FromSeconds(20), Faults = Partitions });

    [Fact]
    public Task Killed_and_restarted_leaders_lose_no_acknowledged_write() =>
        RunAndAssertAsync(new NemesisRunOptions { Seed = 13, Nodes = 3, Duration = TimeSpan.FromSeconds(15), Faults = [FaultKind.KillRestart, FaultKind.Delay] });

    [Fact]
    public async Task Counter_incremented_by_compare_and_set_counts_every_acknowledged_increment_once_under_kills_partitions_and_pauses()
    {
        var report = await RunAndAssertAsync(new NemesisRunOptions
        {
            Seed = 14,
            Nodes = 3,
            Duration = TimeSpan.FromSeconds(15),
            Clients = 2,
            CounterClients = 4,
            Faults = [FaultKind.KillRestart, FaultKind.IsolateLeader, FaultKind.MajorityMinority, FaultKind.Pause],
        });

        report.Counter.Acknowledged.Should().BeGreaterThan(20, "the counter clients must get increments through between the faults");
        report.Counter.ConditionFailed.Should().BePositive("four clients racing on one counter must sometimes lose a race, or the guard was not exercised");
    }

    [SkippableFact]
    public async Task Nemesis_replays_one_seed()
    {
        var seed = RunEnvironment.GetInt(RunEnvironment.Seed);
        Skip.If(seed is null, $"set {RunEnvironment.Seed} (and optionally {RunEnvironment.Nodes}, {RunEnvironment.Seconds}, {RunEnvironment.Faults}) to replay a run");
        await RunAndAssertAsync(new NemesisRunOptions
        {
            Seed = seed!.Value,
            Nodes = RunEnvironment.GetInt(RunEnvironment.Nodes) ?? 3,
            Duration = TimeSpan.FromSeconds(RunEnvironment.GetInt(RunEnvironment.Seconds) ?? 20),
            Faults = RunEnvironment.GetFaults(),
        });
    }

    [SkippableFact]
    public async Task Nemesis_soak()
    {
        var minutes = RunEnvironment.GetInt(RunEnvironment.SoakMinutes);
        Skip.If(minutes is null or <= 0, $"set {RunEnvironment.SoakMinutes} to run back-to-back nemesis runs for that many minutes");
        var firstSeed = RunEnvironment.GetInt(RunEnvironment.Seed) ?? Random.Shared.Next(1000, 1_000_000);
        var clock = Stopwatch.StartNew();
        var runs = 0;
        while (clock.Elapsed < TimeSpan.FromMinutes(minutes!.Value))
        {
            // Alternate 3 and 5 nodes; every run its own seed, printed, so a failure replays alone.
            await RunAndAssertAsync(new NemesisRunOptions
            {
                Seed = firstSeed + runs,
                Nodes = runs % 2 == 0 ? 3 : 5,
                Duration = TimeSpan.FromSeconds(60),
                Faults = RunEnvironment.GetFaults(),
            });
            runs++;
        }
        output.WriteLine($"soak: {runs} runs in {clock.Elapsed.TotalMinutes:0.0} minutes, seeds {firstSeed}..{firstSeed + runs - 1}, all passed");
        runs.Should().BePositive();
    }

    [SkippableFact]
    public void Saved_history_is_checked_again()
    {
        var path = RunEnvironment.Get(RunEnvironment.History);
        Skip.If(path is null, $"set {RunEnvironment.History} to a history.jsonl saved by a failed run to check it again");
        var history = History.LoadJsonLines(path!);
        var result = LinearizabilityChecker.Check(history, TimeSpan.FromMinutes(10));
        output.WriteLine($"{history.Count} operations, {result.OperationsChecked} checked in {result.Elapsed.TotalSeconds:0.0}s");
        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    private async Task<NemesisRunReport> RunAndAssertAsync(NemesisRunOptions options)
    {
        using var timeout = new CancellationTokenSource(options.Duration + TimeSpan.FromMinutes(4));
        var report = await NemesisRun.RunAsync(options, Log, timeout.Token);

        var summary = $"{options}\nfaults injected ({report.Faults.Count}):\n  {string.Join("\n  ", report.Faults)}\noperations: {report.Counts}\n{report.Counter}";
        output.WriteLine(summary);
        report.Problems.Should().BeEmpty(
            $"the run must pass ({summary})\nhistory: {report.HistoryPath}\nreplay: {options.ReplayCommand}\n");
        report.Faults.Should().NotBeEmpty("a nemesis run that injected nothing tested nothing");
        report.Counts.Total(OpOutcome.Ok).Should().BeGreaterThan(50, "the clients must get work done between the faults");
        report.Check!.IsLinearizable.Should().BeTrue();
        report.Counts[OpKind.Set, OpOutcome.ConditionFailed].Should().BePositive("compare-and-set must be in the mix, and lose a race sometimes");
        report.Counts[OpKind.Txn, OpOutcome.Ok].Should().BePositive("transactions must be in the mix");
        return report;
    }

    private void Log(string line) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
}
