using RaftKv.Linearizability.Tests.Support;
using RaftKv.Linearizability;
using Xunit.Abstractions;

namespace RaftKv.Linearizability.Tests;

/// <summary>
/// Fault-run-sized histories finish with the right verdict within the timeout handed to the checker. The time
/// taken is printed for the record, never asserted.
/// </summary>
public sealed class LargeHistoryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static readonly SimulationOptions FaultRun = new(Seed: 2024, Clients: 10, Keys: 20, Operations: 5000);

    [Fact]
    public void Five_thousand_operations_over_twenty_keys_from_ten_clients_are_found_linearizable_within_the_timeout()
    {
        var history = AtomicRegisterSimulation.Run(FaultRun);

        var result = LinearizabilityChecker.Check(history, Timeout);

        output.WriteLine($"{history.Count} operations, {result.OperationsChecked} checked, in {result.Elapsed.TotalMilliseconds:F0} ms");
        result.TimedOut.Should().BeFalse();
        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Five_thousand_operations_with_one_stale_read_are_found_not_linearizable_within_the_timeout()
    {
        var history = HistoryMutation.ReadProvablyStale(AtomicRegisterSimulation.Run(FaultRun), seed: 7);

        var result = LinearizabilityChecker.Check(history, Timeout);

        output.WriteLine($"in {result.Elapsed.TotalMilliseconds:F0} ms:\n{result.Counterexample}");
        result.TimedOut.Should().BeFalse();
        result.IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Three_thousand_operations_on_a_single_key_are_found_linearizable_within_the_timeout()
    {
        var history = AtomicRegisterSimulation.Run(new SimulationOptions(Seed: 99, Clients: 10, Keys: 1, Operations: 3000));

        var result = LinearizabilityChecker.Check(history, Timeout);

        output.WriteLine($"{history.Count} operations, {result.OperationsChecked} checked, in {result.Elapsed.TotalMilliseconds:F0} ms");
        result.TimedOut.Should().BeFalse();
        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }
}
