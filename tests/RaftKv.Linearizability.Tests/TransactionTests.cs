using RaftKv.Linearizability;
using static RaftKv.Linearizability.Tests.Support.Ops;

namespace RaftKv.Linearizability.Tests;

/// <summary>A transaction is one atomic step on all its keys: its comparisons, its branch, and every read in it.</summary>
public sealed class TransactionTests
{
    private static readonly TxnRequest Transfer = TxnOf(
        [new TxnCompare("a", CompareTarget.Value, CompareOp.Equal, Value: "10")],
        [TxnSet("a", "0"), TxnSet("b", "10")],
        [TxnGet("a")]);

    private static readonly TxnRequest ReadBoth = TxnOf([], [TxnGet("a"), TxnGet("b")]);

    [Fact]
    public void Transfer_seen_whole_by_a_concurrent_reading_transaction_is_linearizable()
    {
        var result = Check(
            Set(0, "10", 0, 10, key: "a"),
            Txn(1, Transfer, succeeded: true, 20, 40),
            Txn(2, ReadBoth, succeeded: true, 25, 35, new KeyRead("0"), new KeyRead("10")));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Transfer_seen_half_done_by_a_reading_transaction_is_not_linearizable()
    {
        // Each read alone could be placed on its own key (a after the transfer, b before it); only checking the
        // keys together shows that no single instant saw both.
        var result = Check(
            Set(0, "10", 0, 10, key: "a"),
            Txn(1, Transfer, succeeded: true, 20, 40),
            Txn(2, ReadBoth, succeeded: true, 25, 35, new KeyRead("0"), new KeyRead(null)));

        result.IsLinearizable.Should().BeFalse();
        result.TimedOut.Should().BeFalse();
        result.Counterexample.Should().Contain("keys \"a\"+\"b\"");
    }

    [Fact]
    public void Two_transfers_from_the_same_balance_both_succeeding_is_not_linearizable()
    {
        var second = TxnOf([new TxnCompare("a", CompareTarget.Value, CompareOp.Equal, Value: "10")], [TxnSet("a", "0"), TxnSet("c", "10")]);
        var result = Check(
            Set(0, "10", 0, 10, key: "a"),
            Txn(1, Transfer, succeeded: true, 20, 40),
            Txn(2, second, succeeded: true, 20, 40));

        result.IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Transaction_whose_comparison_failed_reads_the_state_that_made_it_fail()
    {
        Operation[] Start() => [Set(0, "10", 0, 10, key: "a"), Set(0, "7", 20, 30, key: "a")];

        Check([.. Start(), Txn(1, Transfer, succeeded: false, 40, 50, new KeyRead("7"))]).IsLinearizable.Should().BeTrue();
        Check([.. Start(), Txn(1, Transfer, succeeded: false, 40, 50, new KeyRead("10"))]).IsLinearizable.Should().BeFalse();
        Check([.. Start(), Txn(1, Transfer, succeeded: true, 40, 50)]).IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Steps_of_a_transaction_see_the_steps_before_them()
    {
        var txn = TxnOf([], [TxnSet("a", "1"), TxnGet("a"), TxnDelete("a"), TxnGet("a")]);

        Check(Txn(1, txn, true, 0, 10, new KeyRead("1", 1), new KeyRead(null, 0)), Get(2, null, 20, 30, key: "a"))
            .IsLinearizable.Should().BeTrue();
        Check(Txn(1, txn, true, 0, 10, new KeyRead("1"), new KeyRead("1"))).IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Version_comparisons_order_and_count_writes()
    {
        var ifNew = TxnOf([new TxnCompare("a", CompareTarget.Version, CompareOp.Less, 1)], [TxnSet("a", "first")], [TxnGet("a")]);

        Check(Txn(1, ifNew, true, 0, 10), Txn(2, ifNew, false, 20, 30, new KeyRead("\"x\"")) with { Reads = [new KeyRead("first", 1)] })
            .IsLinearizable.Should().BeTrue();
        Check(Txn(1, ifNew, true, 0, 10), Txn(2, ifNew, true, 20, 30)).IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Transaction_of_unknown_outcome_applies_whole_or_not_at_all()
    {
        var both = TxnOf([], [TxnSet("a", "1"), TxnSet("b", "1")]);
        var unknown = new Operation(1, OpKind.Txn, string.Empty, null, 0, 0, OpOutcome.Unknown) { Txn = both };

        Check(unknown, Txn(2, ReadBoth, true, 10, 20, new KeyRead("1"), new KeyRead("1"))).IsLinearizable.Should().BeTrue();
        Check(unknown, Txn(2, ReadBoth, true, 10, 20, new KeyRead(null), new KeyRead(null))).IsLinearizable.Should().BeTrue();
        Check(unknown, Txn(2, ReadBoth, true, 10, 20, new KeyRead("1"), new KeyRead(null))).IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Keys_no_transaction_ties_are_still_checked_apart()
    {
        // A violation on "z" is reported as on "z" alone, not on the transaction's keys.
        var result = Check(
            Txn(1, Transfer, succeeded: false, 0, 10, new KeyRead(null)),
            Set(2, "1", 0, 10, key: "z"),
            Get(3, null, 20, 30, key: "z"));

        result.IsLinearizable.Should().BeFalse();
        result.Counterexample.Should().StartWith("Not linearizable: key \"z\"");
    }

    [Fact]
    public void Transaction_history_round_trips_through_json_lines()
    {
        var path = Path.Combine(Path.GetTempPath(), $"raftkv-txn-{Guid.NewGuid():N}.jsonl");
        try
        {
            var history = new History();
            int txn = history.InvokeTxn(1, Transfer);
            history.CompleteTxn(txn, succeeded: false, [new KeyRead("7", 2, 9)], revision: 11);
            int cas = history.Invoke(2, OpKind.Set, "a", "8", IfModRevision(9));
            history.CompleteConditionFailed(cas, new KeyRead("9", 3, 12));
            history.SaveJsonLines(path);

            var loaded = History.LoadJsonLines(path);

            loaded.Should().HaveCount(2);
            loaded[0].Txn!.Success.Should().Equal(Transfer.Success);
            loaded[0].Txn!.Compare.Should().Equal(Transfer.Compare);
            loaded[0].Reads.Should().Equal(new KeyRead("7", 2, 9));
            (loaded[0] with { Txn = null, Reads = null }).Should().Be(history.Operations[0] with { Txn = null, Reads = null });
            loaded[1].Should().Be(history.Operations[1]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
