using RaftKv.Linearizability.Tests.Support;
using RaftKv.Linearizability;

namespace RaftKv.Linearizability.Tests;

/// <summary>
/// The checker's shortcuts (memoization, reads placed without branching, unknown writes bounded or left out)
/// must never change a verdict: on thousands of tiny random histories, linearizable or not, it agrees with
/// trying every order.
/// </summary>
public sealed class BruteForceAgreementTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Checker_agrees_with_trying_every_order_on_tiny_random_histories(int seed)
    {
        var random = new Random(seed);
        int linearizable = 0;
        for (int round = 0; round < 1500; round++)
        {
            var history = TinyHistory(random);

            bool expected = BruteForceChecker.IsLinearizable(history);
            var result = LinearizabilityChecker.Check(history, Ops.CheckTimeout);

            result.IsLinearizable.Should().Be(expected, $"seed {seed}, round {round}:\n{string.Join('\n', history)}\n{result.Counterexample}");
            linearizable += expected ? 1 : 0;
        }

        // Both verdicts must be well represented, or the agreement says little.
        linearizable.Should().BeInRange(300, 1200);
    }

    /// <summary>Up to seven operations on one key from up to four clients, few values, all outcomes.</summary>
    private static List<Operation> TinyHistory(Random random)
    {
        var history = new List<Operation>();
        int count = random.Next(1, 8);
        for (int i = 0; i < count; i++)
        {
            long start = random.Next(0, 20);
            long end = start + random.Next(0, 8);
            var kind = (OpKind)random.Next(3);
            var outcome = random.Next(10) switch
            {
                0 => OpOutcome.Failed,
                1 or 2 => OpOutcome.Unknown,
                _ => OpOutcome.Ok,
            };
            string? value = kind switch
            {
                OpKind.Set => $"{random.Next(1, 4)}",
                OpKind.Get => random.Next(4) == 0 ? null : $"{random.Next(1, 4)}",
                _ => null,
            };
            history.Add(new Operation(random.Next(4), kind, "x", value, start, end, outcome));
        }

        return history;
    }
}
