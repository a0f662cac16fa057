using RaftKv.Linearizability.Tests.Support;
using RaftKv.Linearizability;
using Xunit.Abstractions;

namespace RaftKv.Linearizability.Tests;

/// <summary>
/// Whole histories of a compare-and-set counter, as the nemesis runs record them: a store that is linearizable by
/// construction passes; the same store with one lost update, or one increment applied twice, does not.
/// </summary>
public sealed class CounterHistoryTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, 4, true)]
    [InlineData(2, 8, true)]
    [InlineData(3, 6, true)]
    [InlineData(4, 4, false)]
    [InlineData(5, 8, false)]
    public void Counter_incremented_by_compare_and_set_on_a_linearizable_store_is_linearizable(int seed, int clients, bool recordRevisions)
    {
        var history = CounterSimulation.Run(seed, clients, increments: 1500, CounterBug.None, recordRevisions);

        var result = LinearizabilityChecker.Check(history, TimeSpan.FromMinutes(1));

        output.WriteLine($"{history.Count} operations, {history.Count(o => o.Outcome == OpOutcome.ConditionFailed)} condition failed, in {result.Elapsed.TotalMilliseconds:F0} ms");
        result.TimedOut.Should().BeFalse();
        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Theory]
    [InlineData(1, 4, true, 0.05)]
    [InlineData(2, 8, true, 0.05)]
    [InlineData(3, 6, true, 0.05)]
    [InlineData(4, 4, false, 0.0)]
    [InlineData(5, 8, false, 0.0)]
    public void Counter_with_one_lost_update_is_not_linearizable(int seed, int clients, bool recordRevisions, double unknownRate)
    {
        var history = CounterSimulation.Run(seed, clients, increments: 1500, CounterBug.LostUpdate, recordRevisions, unknownRate);

        var result = LinearizabilityChecker.Check(history, TimeSpan.FromMinutes(1));

        output.WriteLine(result.Counterexample);
        result.TimedOut.Should().BeFalse();
        result.IsLinearizable.Should().BeFalse();
    }

    [Theory]
    [InlineData(1, 4, true, 0.05)]
    [InlineData(2, 8, true, 0.05)]
    [InlineData(3, 6, true, 0.05)]
    [InlineData(4, 4, false, 0.0)]
    [InlineData(5, 8, false, 0.0)]
    public void Counter_with_one_increment_applied_twice_is_not_linearizable(int seed, int clients, bool recordRevisions, double unknownRate)
    {
        var history = CounterSimulation.Run(seed, clients, increments: 1500, CounterBug.AppliedTwice, recordRevisions, unknownRate);

        var result = LinearizabilityChecker.Check(history, TimeSpan.FromMinutes(1));

        output.WriteLine(result.Counterexample);
        result.TimedOut.Should().BeFalse();
        result.IsLinearizable.Should().BeFalse();
    }
}
