using RaftKv.Linearizability;
using static RaftKv.Linearizability.Tests.Support.Ops;

namespace RaftKv.Linearizability.Tests;

public sealed class TimeoutTests
{
    [Fact]
    public void Check_that_runs_out_of_time_is_not_linearizable_and_says_it_timed_out()
    {
        // Forty writes all overlapping, then two reads that disagree on which came last: refuting that means
        // trying every order of the writes (2^40 configurations), far more than any timeout allows.
        var history = Enumerable.Range(0, 40).Select(i => Set(i, $"{i}", 0, 100)).ToList();
        history.Add(Get(100, "0", 200, 210));
        history.Add(Get(100, "1", 300, 310));

        var result = LinearizabilityChecker.Check(history, TimeSpan.FromMilliseconds(200));

        result.TimedOut.Should().BeTrue();
        result.IsLinearizable.Should().BeFalse();
        result.Counterexample.Should().StartWith("Check timed out after 00:00:00.2000000: no verdict.")
            .And.Contain("still unchecked: \"x\" (42 operations)");
    }

    [Fact]
    public void Check_with_an_infinite_timeout_finishes()
    {
        var result = LinearizabilityChecker.Check([Set(1, "1", 0, 10), Get(2, "1", 20, 30)], System.Threading.Timeout.InfiniteTimeSpan);

        result.IsLinearizable.Should().BeTrue();
        result.TimedOut.Should().BeFalse();
    }
}
