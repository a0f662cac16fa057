using RaftKv.Linearizability.Tests.Support;
using static RaftKv.Linearizability.Tests.Support.Ops;

namespace RaftKv.Linearizability.Tests;

/// <summary>The classic ways a store breaks linearizability, each next to the nearest history that is fine.</summary>
public sealed class AnomalyTests
{
    [Fact]
    public void Read_after_acknowledged_write_that_returns_the_new_value_is_linearizable()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            Set(1, "2", 20, 30),
            Get(2, "2", 40, 50));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Stale_read_after_acknowledged_write_is_not_linearizable()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            Set(1, "2", 20, 30),
            Get(2, "1", 40, 50));

        result.IsLinearizable.Should().BeFalse();
        result.TimedOut.Should().BeFalse();
        result.Counterexample.Should().Contain("stale");
    }

    [Fact]
    public void Read_overlapping_a_write_may_return_the_old_value()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            Set(1, "2", 20, 60),
            Get(2, "1", 40, 50));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Acknowledged_write_read_afterwards_is_linearizable()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            Get(2, "1", 20, 30),
            Get(3, "1", 40, 50));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Lost_write_is_not_linearizable()
    {
        // The write was acknowledged, yet a read that began afterwards finds nothing.
        var result = Check(
            Set(1, "1", 0, 10),
            Get(2, null, 20, 30));

        result.IsLinearizable.Should().BeFalse();
        result.Counterexample.Should().Contain("stale").And.Contain("never deleted");
    }

    [Fact]
    public void Read_of_a_value_written_by_an_overlapping_write_is_linearizable()
    {
        var result = Check(
            Set(1, "7", 0, 100),
            Get(2, "7", 10, 20));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Read_of_a_value_never_written_is_not_linearizable()
    {
        var result = Check(
            Set(1, "7", 0, 100),
            Get(2, "8", 10, 20));

        result.IsLinearizable.Should().BeFalse();
        result.Counterexample.Should().Contain("a value never written to this key");
    }

    [Fact]
    public void Read_of_a_value_before_its_write_began_is_not_linearizable()
    {
        var result = Check(
            Get(2, "7", 0, 10),
            Set(1, "7", 20, 30));

        result.IsLinearizable.Should().BeFalse();
        result.Counterexample.Should().Contain("before any write of that value began");
    }

    [Fact]
    public void Reads_that_see_a_write_take_effect_once_are_linearizable()
    {
        var result = Check(
            Set(1, "1", 0, 5),
            Set(1, "2", 10, 100),
            Get(2, "1", 20, 30),
            Get(3, "2", 40, 50),
            Get(2, "2", 60, 70));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Write_seen_then_unseen_is_not_linearizable()
    {
        // The write of 2 is still in flight, but once a read has seen it no later read may see 1 again.
        var result = Check(
            Set(1, "1", 0, 5),
            Set(1, "2", 10, 100),
            Get(2, "2", 20, 30),
            Get(3, "1", 40, 50));

        result.IsLinearizable.Should().BeFalse();
        result.Counterexample.Should().Contain("a newer value was seen, then the older one again");
    }
}
