using RaftKv.Linearizability.Tests.Support;
using RaftKv.Linearizability;

namespace RaftKv.Linearizability.Tests;

/// <summary>Histories of a store that is correct by construction, as recorded and with one read broken.</summary>
public sealed class RandomHistoryTests
{
    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5, 6, 7, 8];

    private static IReadOnlyList<Operation> Simulate(int seed) =>
        AtomicRegisterSimulation.Run(new SimulationOptions(seed, Clients: 8, Keys: 3, Operations: 600, UnknownRate: 0.08));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_history_of_an_atomic_register_is_linearizable(int seed)
    {
        var history = Simulate(seed);

        var result = LinearizabilityChecker.Check(history, Ops.CheckTimeout);

        result.IsLinearizable.Should().BeTrue($"seed {seed}: {result.Counterexample}");
        result.OperationsChecked.Should().BeGreaterThan(history.Count / 2);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_history_with_a_read_of_a_value_never_written_is_not_linearizable(int seed)
    {
        var history = HistoryMutation.ReadNeverWritten(Simulate(seed), seed);

        var result = LinearizabilityChecker.Check(history, Ops.CheckTimeout);

        result.IsLinearizable.Should().BeFalse($"seed {seed}");
        result.TimedOut.Should().BeFalse();
        result.Counterexample.Should().Contain(HistoryMutation.NeverWritten);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_history_with_a_read_of_a_provably_stale_value_is_not_linearizable(int seed)
    {
        var history = HistoryMutation.ReadProvablyStale(Simulate(seed), seed);

        var result = LinearizabilityChecker.Check(history, Ops.CheckTimeout);

        result.IsLinearizable.Should().BeFalse($"seed {seed}");
        result.TimedOut.Should().BeFalse();
    }

    [Fact]
    public void Same_seed_gives_the_same_history()
    {
        var options = new SimulationOptions(42, Clients: 4, Keys: 2, Operations: 100);

        AtomicRegisterSimulation.Run(options).Should().Equal(AtomicRegisterSimulation.Run(options));
    }
}
