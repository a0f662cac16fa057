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

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void Checker_agrees_with_trying_every_order_on_tiny_histories_with_compare_and_set_and_transactions(int seed)
    {
        var random = new Random(seed);
        int linearizable = 0;
        const int rounds = 1500;
        for (int round = 0; round < rounds; round++)
        {
            var history = TinyStoreHistory(random);

            bool expected = BruteForceStoreChecker.IsLinearizable(history);
            var result = LinearizabilityChecker.Check(history, Ops.CheckTimeout);

            result.IsLinearizable.Should().Be(expected, $"seed {seed}, round {round}:\n{string.Join('\n', history)}\n{result.Counterexample}");
            linearizable += expected ? 1 : 0;
        }

        linearizable.Should().BeInRange(rounds / 6, rounds * 5 / 6);
    }

    /// <summary>
    /// Up to six operations on two keys from up to four clients: gets (some with versions), plain and guarded
    /// writes, transactions over both keys; all outcomes. Every acknowledged write records its revision, and
    /// guards and comparisons on mod revisions name one of those (or 0).
    /// </summary>
    private static List<Operation> TinyStoreHistory(Random random)
    {
        string Key() => random.Next(2) == 0 ? "x" : "y";
        string Value() => $"{random.Next(1, 3)}";
        string? MaybeValue() => random.Next(3) == 0 ? null : Value();
        KeyRead Read()
        {
            // A version read with the value half the time: 0 when absent, 1 or 2 when present.
            string? value = MaybeValue();
            long? version = random.Next(2) == 0 ? null : value is null ? 0 : random.Next(1, 3);
            return new KeyRead(value, version);
        }

        var history = new List<Operation>();
        var revisions = new List<long> { 0 };
        int count = random.Next(1, 7);
        for (int i = 0; i < count; i++)
        {
            long start = random.Next(0, 20);
            long end = start + random.Next(0, 8);
            int client = random.Next(4);
            var outcome = random.Next(10) switch
            {
                0 => OpOutcome.Failed,
                1 or 2 => OpOutcome.Unknown,
                _ => OpOutcome.Ok,
            };
            Operation op;
            switch (random.Next(5))
            {
                case 0:
                {
                    var read = Read();
                    op = outcome == OpOutcome.Unknown
                        ? new Operation(client, OpKind.Get, Key(), null, start, end, OpOutcome.Unknown)
                        : new Operation(client, OpKind.Get, Key(), read.Value, start, end, OpOutcome.Ok) { Seen = read.Version is null ? null : read };
                    break;
                }

                case 1:
                    op = random.Next(4) == 0
                        ? new Operation(client, OpKind.Delete, Key(), null, start, end, outcome)
                        : new Operation(client, OpKind.Set, Key(), Value(), start, end, outcome);
                    break;
                case 2 or 3:
                {
                    var kind = random.Next(4) == 0 ? OpKind.Delete : OpKind.Set;
                    var guardOutcome = outcome == OpOutcome.Ok && random.Next(2) == 0 ? OpOutcome.ConditionFailed : outcome;
                    op = new Operation(client, kind, Key(), kind == OpKind.Set ? Value() : null, start, end, guardOutcome)
                    {
                        Guard = new Guard(), // filled in below, once the revisions are known
                        Seen = guardOutcome == OpOutcome.ConditionFailed && random.Next(2) == 0 ? Read() : null,
                    };
                    break;
                }

                default:
                {
                    TxnStep Step() => random.Next(3) switch
                    {
                        0 => new TxnStep(OpKind.Get, Key()),
                        1 => new TxnStep(OpKind.Set, Key(), Value()),
                        _ => new TxnStep(OpKind.Delete, Key()),
                    };
                    var compare = Enumerable.Range(0, random.Next(0, 3)).Select(_ => random.Next(3) switch
                    {
                        0 => new TxnCompare(Key(), CompareTarget.Value, random.Next(2) == 0 ? CompareOp.Equal : CompareOp.NotEqual, Value: Value()),
                        1 => new TxnCompare(Key(), CompareTarget.Version, (CompareOp)random.Next(4), random.Next(0, 3)),
                        _ => new TxnCompare(Key(), CompareTarget.ModRevision, CompareOp.Equal, -1), // filled in below
                    }).ToArray();
                    var txn = new TxnRequest(compare, [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => Step())], [.. Enumerable.Range(0, random.Next(0, 2)).Select(_ => Step())]);
                    bool succeeded = random.Next(2) == 0;
                    op = outcome == OpOutcome.Ok
                        ? new Operation(client, OpKind.Txn, string.Empty, null, start, end, OpOutcome.Ok)
                        {
                            Txn = txn,
                            Succeeded = succeeded,
                            Reads = [.. txn.Branch(succeeded).Where(s => s.Kind == OpKind.Get).Select(_ => Read())],
                        }
                        : new Operation(client, OpKind.Txn, string.Empty, null, start, end, outcome) { Txn = txn };
                    break;
                }
            }

            if (op.Outcome == OpOutcome.Ok && op.Kind != OpKind.Get)
            {
                long revision = revisions.Count;
                revisions.Add(revision);
                op = op with { Revision = revision };
            }

            history.Add(op);
        }

        long SomeRevision() => revisions[random.Next(revisions.Count)];
        return [.. history.Select(op => op switch
        {
            { Guard: not null } => op with
            {
                Guard = random.Next(4) switch
                {
                    0 => new Guard { IfAbsent = true },
                    1 => new Guard { IfVersion = random.Next(0, 3) },
                    2 => new Guard { IfModRevision = SomeRevision() },
                    _ => new Guard { IfValue = Value() },
                },
            },
            { Kind: OpKind.Txn } => op with
            {
                Txn = op.Txn! with { Compare = [.. op.Txn.Compare.Select(c => c.Target == CompareTarget.ModRevision ? c with { Number = SomeRevision() } : c)] },
            },
            _ => op,
        })];
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
