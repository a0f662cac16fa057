using RaftKv.Linearizability;
using static RaftKv.Linearizability.Tests.Support.Ops;

namespace RaftKv.Linearizability.Tests;

/// <summary>
/// Guarded writes (compare-and-set): an acknowledged one needed its guard to hold at its instant, and a "condition
/// failed" answer is a read that saw the guard false; versions and mod revisions follow the writes.
/// </summary>
public sealed class CompareAndSetTests
{
    [Fact]
    public void Counter_incremented_by_read_and_mod_revision_guard_one_client_at_a_time_is_linearizable()
    {
        var result = Check(
            SetAt(0, "0", 0, 10, revision: 5),
            Read(1, "0", 1, 5, 20, 30), Cas(1, "1", IfModRevision(5), 31, 40, revision: 8),
            Read(2, "1", 2, 8, 50, 60), Cas(2, "2", IfModRevision(8), 61, 70, revision: 9),
            Read(3, "2", 3, 9, 80, 90));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Lost_update_two_increments_from_the_same_read_both_acknowledged_is_not_linearizable()
    {
        // Both clients read 0 at revision 5 and both increments were acknowledged: one of them must have seen
        // the key already written by the other, whose revision is 8 or 9, not 5. Without the guard this is fine.
        var result = Check(
            SetAt(0, "0", 0, 10, revision: 5),
            Read(1, "0", 1, 5, 20, 30), Read(2, "0", 1, 5, 20, 30),
            Cas(1, "1", IfModRevision(5), 40, 50, revision: 8),
            Cas(2, "1", IfModRevision(5), 40, 50, revision: 9));

        result.IsLinearizable.Should().BeFalse();
        result.TimedOut.Should().BeFalse();
        result.Counterexample.Should().Contain("modRevision = 5").And.Contain("to hold");
    }

    [Fact]
    public void The_same_increments_without_guards_are_linearizable()
    {
        var result = Check(
            SetAt(0, "0", 0, 10, revision: 5),
            Read(1, "0", 1, 5, 20, 30), Read(2, "0", 1, 5, 20, 30),
            SetAt(1, "1", 40, 50, revision: 8),
            SetAt(2, "1", 40, 50, revision: 9));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Theory]
    [InlineData("value")]
    [InlineData("version")]
    public void Lost_update_through_a_value_or_version_guard_is_not_linearizable(string by)
    {
        var guard = by == "value" ? IfValue("0") : IfVersion(1);
        var result = Check(
            Set(0, "0", 0, 10),
            Get(1, "0", 20, 30), Get(2, "0", 20, 30),
            Cas(1, "1", guard, 40, 50, revision: 8),
            Cas(2, "1", guard, 40, 50, revision: 9));

        result.IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Concurrent_increments_where_the_loser_is_told_condition_failed_are_linearizable()
    {
        var result = Check(
            SetAt(0, "0", 0, 10, revision: 5),
            Read(1, "0", 1, 5, 20, 30), Read(2, "0", 1, 5, 20, 30),
            Cas(1, "1", IfModRevision(5), 40, 50, revision: 8),
            CasFailed(2, "1", IfModRevision(5), 40, 50, new KeyRead("1", 2, 8)),
            Read(2, "1", 2, 8, 60, 70), Cas(2, "2", IfModRevision(8), 71, 80, revision: 10),
            Get(3, "2", 90, 100));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Condition_failed_while_the_guard_held_throughout_is_not_linearizable()
    {
        // "If absent" answered "condition failed", yet the key was absent for the whole of the operation: the
        // answer is a read, and no instant of it saw the key present.
        var result = Check(
            Get(1, null, 0, 10),
            CasFailed(2, "1", IfAbsent, 20, 30, seen: null),
            Get(1, null, 40, 50));

        result.IsLinearizable.Should().BeFalse();
        result.Counterexample.Should().Contain("condition failed").And.Contain("guard (if absent) to be false");
    }

    [Fact]
    public void Condition_failed_overlapping_a_write_that_makes_the_guard_false_is_linearizable()
    {
        var result = Check(
            Set(1, "1", 15, 35),
            CasFailed(2, "2", IfAbsent, 20, 30, new KeyRead("1", 1, null)));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Condition_failed_that_shows_a_stale_value_is_not_linearizable()
    {
        // The guard was indeed false, but the key the answer showed had been overwritten before it began.
        var result = Check(
            SetAt(1, "1", 0, 10, revision: 3),
            SetAt(1, "2", 20, 30, revision: 4),
            CasFailed(2, "9", IfModRevision(1), 40, 50, new KeyRead("1", 1, 3)));

        result.IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Acknowledged_if_absent_while_the_key_certainly_existed_is_not_linearizable()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            Cas(2, "2", IfAbsent, 20, 30, revision: 7));

        result.IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Acknowledged_if_absent_after_a_delete_is_linearizable()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            Delete(1, 20, 30),
            Cas(2, "2", IfAbsent, 40, 50, revision: 7),
            Read(3, "2", 1, 7, 60, 70));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Versions_count_writes_since_creation_and_restart_after_a_delete()
    {
        Operation[] Writes() => [Set(1, "a", 0, 10), Set(1, "b", 20, 30), Delete(1, 40, 50), Set(1, "c", 60, 70)];

        Check([.. Writes(), Read(2, "c", 1, 0, 80, 90) with { Seen = new KeyRead("c", 1) }]).IsLinearizable.Should().BeTrue();
        Check([.. Writes(), Read(2, "c", 1, 0, 80, 90) with { Seen = new KeyRead("c", 3) }]).IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Guarded_write_of_unknown_outcome_may_have_applied_or_not()
    {
        Operation[] Start() => [SetAt(0, "0", 0, 10, revision: 5), UnknownCas(1, "1", IfModRevision(5), 20)];

        Check([.. Start(), Get(2, "1", 30, 40)]).IsLinearizable.Should().BeTrue();
        Check([.. Start(), Get(2, "0", 30, 40)]).IsLinearizable.Should().BeTrue();
        Check([.. Start(), Get(2, "1", 30, 40), Get(2, "0", 50, 60)]).IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Guard_on_the_revision_of_a_write_of_unknown_outcome_is_learned_from_the_read_that_saw_it()
    {
        // The unknown write's revision (8) is known only from the read; a guard on it then holds, and a guard on
        // another revision does not.
        Operation[] Start() =>
        [
            SetAt(0, "0", 0, 10, revision: 5),
            new Operation(1, OpKind.Set, "x", "1", 20, 20, OpOutcome.Unknown),
            Read(2, "1", 2, 8, 30, 40),
        ];

        Check([.. Start(), Cas(2, "2", IfModRevision(8), 50, 60, revision: 12)]).IsLinearizable.Should().BeTrue();
        Check([.. Start(), Cas(2, "2", IfModRevision(7), 50, 60, revision: 12)]).IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Mod_revision_read_of_an_absent_key_is_zero()
    {
        Check(Read(1, null, 0, 0, 0, 10), Cas(1, "1", IfModRevision(0), 20, 30, revision: 3)).IsLinearizable.Should().BeTrue();
        Check(SetAt(1, "0", 0, 10, revision: 2), Cas(1, "1", IfModRevision(0), 20, 30, revision: 3)).IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Check_rejects_a_condition_failed_answer_without_a_guard()
    {
        var act = () => Check(new Operation(1, OpKind.Set, "x", "1", 0, 10, OpOutcome.ConditionFailed));

        act.Should().Throw<ArgumentException>().WithMessage("*only a guarded Set or Delete can end ConditionFailed*");
    }

    [Fact]
    public void Check_rejects_if_absent_combined_with_another_condition()
    {
        var act = () => Check(Cas(1, "1", new Guard { IfAbsent = true, IfVersion = 0 }, 0, 10, revision: 1));

        act.Should().Throw<ArgumentException>().WithMessage("*ifAbsent alone*");
    }
}
