using RaftKv.Linearizability;
using static RaftKv.Linearizability.Tests.Support.Ops;

namespace RaftKv.Linearizability.Tests;

/// <summary>A client that timed out does not know whether its operation happened; the checker must allow both.</summary>
public sealed class UnknownOutcomeTests
{
    [Fact]
    public void Unknown_write_may_take_effect_long_after_its_client_gave_up()
    {
        var result = Check(
            UnknownSet(1, "1", 0, 10),
            Get(2, null, 20, 30),
            Get(2, null, 40, 50),
            Get(3, "1", 1000, 1010));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Unknown_write_may_never_take_effect()
    {
        var result = Check(
            UnknownSet(1, "1", 0, 10),
            Get(2, null, 20, 30),
            Get(3, null, 1000, 1010));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Unknown_write_that_took_effect_stays_until_overwritten()
    {
        var result = Check(
            UnknownSet(1, "1", 0, 10),
            Get(2, "1", 20, 30),
            Get(3, null, 40, 50));

        result.IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Unknown_write_cannot_take_effect_before_it_started()
    {
        var result = Check(
            Get(2, "1", 0, 10),
            UnknownSet(1, "1", 20, 30));

        result.IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Unknown_write_may_overwrite_a_later_acknowledged_write()
    {
        var result = Check(
            UnknownSet(1, "1", 0, 10),
            Set(2, "2", 20, 30),
            Get(3, "2", 40, 50),
            Get(3, "1", 60, 70));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Unknown_delete_may_take_effect_after_its_client_gave_up()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            new Operation(2, OpKind.Delete, "x", null, 20, 30, OpOutcome.Unknown),
            Get(3, "1", 40, 50),
            Get(3, null, 60, 70));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Unknown_read_imposes_nothing()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            new Operation(2, OpKind.Get, "x", "\"never written\"", 20, 30, OpOutcome.Unknown));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
        result.OperationsChecked.Should().Be(1);
    }

    [Fact]
    public void Failed_write_must_never_be_seen()
    {
        var result = Check(
            new Operation(1, OpKind.Set, "x", "1", 0, 10, OpOutcome.Failed),
            Get(2, "1", 20, 30));

        result.IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Failed_delete_leaves_the_value_in_place()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            new Operation(2, OpKind.Delete, "x", null, 20, 30, OpOutcome.Failed),
            Get(3, "1", 40, 50));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }
}
