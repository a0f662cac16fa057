using RaftKv.Linearizability;
using static RaftKv.Linearizability.Tests.Support.Ops;

namespace RaftKv.Linearizability.Tests;

public sealed class InputValidationTests
{
    [Fact]
    public void Empty_history_is_linearizable()
    {
        var result = LinearizabilityChecker.Check([], CheckTimeout);

        result.IsLinearizable.Should().BeTrue();
        result.OperationsChecked.Should().Be(0);
    }

    [Fact]
    public void Check_rejects_a_set_without_a_value_and_names_the_operation()
    {
        var act = () => Check(Get(1, null, 0, 1), new Operation(1, OpKind.Set, "x", null, 2, 3, OpOutcome.Ok));

        act.Should().Throw<ArgumentException>().WithMessage("Operation 1 of the history is malformed: a Set must carry the value written*");
    }

    [Fact]
    public void Check_rejects_an_operation_that_ends_before_it_starts()
    {
        var act = () => Check(Set(1, "1", 10, 5));

        act.Should().Throw<ArgumentException>().WithMessage("*ends (5) before it starts (10)*");
    }

    [Fact]
    public void Check_ignores_the_end_of_an_operation_of_unknown_outcome()
    {
        var result = Check(new Operation(1, OpKind.Set, "x", "1", 10, 0, OpOutcome.Unknown), Get(2, "1", 20, 30));

        result.IsLinearizable.Should().BeTrue(result.Counterexample);
    }

    [Fact]
    public void Check_rejects_a_delete_that_carries_a_value()
    {
        var act = () => Check(new Operation(1, OpKind.Delete, "x", "1", 0, 1, OpOutcome.Ok));

        act.Should().Throw<ArgumentException>().WithMessage("*a Delete carries no value*");
    }

    [Fact]
    public void Check_rejects_a_null_operation()
    {
        var act = () => LinearizabilityChecker.Check([null!], CheckTimeout);

        act.Should().Throw<ArgumentException>().WithMessage("*the operation is null*");
    }

    [Fact]
    public void Check_rejects_a_timeout_that_is_not_positive()
    {
        var act = () => LinearizabilityChecker.Check([], TimeSpan.Zero);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
