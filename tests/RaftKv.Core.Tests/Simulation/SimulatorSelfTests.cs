using Xunit.Abstractions;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// The simulator must be able to fail: with a deliberately broken driver (the core untouched) some
/// seed among the first few hundred must be flagged, by the checker meant for that bug.
/// </summary>
public sealed class SimulatorSelfTests(ITestOutputHelper output)
{
    private const int Seeds = 300;

    private SimulationSummary RunSabotaged(Sabotage sabotage)
    {
        var summary = SimulationRunner.Run(Enumerable.Range(1, Seeds), Environment.ProcessorCount, sabotage);
        output.WriteLine($"{sabotage}: {summary.Failures.Count} of {Seeds} seeds flagged");
        foreach (var reason in summary.Failures.Select(f => f.Reason).Distinct().Take(5)) output.WriteLine("  " + reason);
        return summary;
    }

    [Fact]
    public void Simulator_catches_stale_reads_served_without_ReadIndex()
    {
        var summary = RunSabotaged(Sabotage.ReadsWithoutReadIndex);
        summary.Failures.Should().Contain(f => f.Reason.Contains("Linearizability"));
    }

    [Fact]
    public void Simulator_catches_a_disk_that_forgets_votes()
    {
        var summary = RunSabotaged(Sabotage.ForgetVotes);
        summary.Failures.Should().Contain(f => f.Reason.Contains("Election Safety"));
    }

    [Fact]
    public void Simulator_catches_a_disk_that_loses_writes_reported_durable()
    {
        var summary = RunSabotaged(Sabotage.LoseLastWriteOnCrash);
        summary.Failures.Should().NotBeEmpty();
    }
}
