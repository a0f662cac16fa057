using static RaftKv.Linearizability.Tests.Support.Ops;

namespace RaftKv.Linearizability.Tests;

public sealed class DeleteTests
{
    [Fact]
    public void Key_never_written_is_not_found()
    {
        Check(Get(1, null, 0, 10)).IsLinearizable.Should().BeTrue();
    }

    [Fact]
    public void Read_after_acknowledged_delete_finds_nothing()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            Delete(1, 20, 30),
            Get(2, null, 40, 50));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Read_after_acknowledged_delete_that_still_finds_the_value_is_not_linearizable()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            Delete(1, 20, 30),
            Get(2, "1", 40, 50));

        result.IsLinearizable.Should().BeFalse();
        result.Counterexample.Should().Contain("stale");
    }

    [Fact]
    public void Delete_of_a_missing_key_succeeds_and_leaves_it_missing()
    {
        var result = Check(
            Delete(1, 0, 10),
            Get(2, null, 20, 30));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Write_after_delete_is_visible()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            Delete(1, 20, 30),
            Set(1, "2", 40, 50),
            Get(2, "2", 60, 70));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Key_found_missing_after_a_later_write_was_acknowledged_is_not_linearizable()
    {
        var result = Check(
            Delete(1, 0, 10),
            Set(1, "2", 20, 30),
            Get(2, null, 40, 50));

        result.IsLinearizable.Should().BeFalse();
        result.Counterexample.Should().Contain("every delete of the key ended before it began");
    }

    [Fact]
    public void Json_null_value_is_not_the_same_as_a_missing_key()
    {
        var result = Check(
            Set(1, "null", 0, 10),
            Get(2, null, 20, 30));

        result.IsLinearizable.Should().BeFalse();
    }
}
