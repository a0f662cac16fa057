using static RaftKv.Linearizability.Tests.Support.Ops;

namespace RaftKv.Linearizability.Tests;

public sealed class ConcurrentWriteTests
{
    [Theory]
    [InlineData("\"a\"")]
    [InlineData("\"b\"")]
    [InlineData("\"c\"")]
    public void Overlapping_writes_may_take_effect_in_any_order(string survivor)
    {
        var result = Check(
            Set(1, "\"a\"", 0, 30),
            Set(2, "\"b\"", 5, 35),
            Set(3, "\"c\"", 10, 40),
            Get(1, survivor, 50, 60),
            Get(2, survivor, 70, 80));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Overlapping_writes_still_take_effect_in_a_single_order()
    {
        // Whatever order the writes took, two reads after all of them must agree.
        var result = Check(
            Set(1, "\"a\"", 0, 30),
            Set(2, "\"b\"", 5, 35),
            Get(1, "\"a\"", 50, 60),
            Get(2, "\"b\"", 70, 80));

        result.IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Concurrent_readers_may_see_overlapping_writes_in_the_same_order()
    {
        var result = Check(
            Set(1, "\"a\"", 0, 100),
            Set(2, "\"b\"", 0, 100),
            Get(3, "\"a\"", 10, 20),
            Get(4, "\"a\"", 10, 20),
            Get(3, "\"b\"", 30, 40),
            Get(4, "\"b\"", 30, 40));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Readers_that_see_overlapping_writes_in_opposite_orders_are_not_linearizable()
    {
        var result = Check(
            Set(1, "\"a\"", 0, 100),
            Set(2, "\"b\"", 0, 100),
            Get(3, "\"a\"", 10, 20),
            Get(4, "\"b\"", 10, 20),
            Get(3, "\"b\"", 30, 40),
            Get(4, "\"a\"", 30, 40));

        result.IsLinearizable.Should().BeFalse();
    }

    [Fact]
    public void Operations_whose_times_touch_count_as_concurrent()
    {
        // One ends at the very tick the other starts: equal timestamps cannot order them.
        var result = Check(
            Set(1, "1", 0, 10),
            Get(2, null, 10, 20));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }
}
