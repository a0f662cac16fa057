using RaftKv.Linearizability;
using static RaftKv.Linearizability.Tests.Support.Ops;

namespace RaftKv.Linearizability.Tests;

public sealed class CounterexampleTests
{
    [Fact]
    public void Counterexample_names_the_key_the_prefix_the_blocked_read_its_overlapping_operations_and_why()
    {
        var result = Check(
            Set(1, "\"a\"", 0, 10, key: "user:7"),
            Set(1, "\"b\"", 20, 30, key: "user:7"),
            Set(3, "\"c\"", 35, 60, key: "user:7"),
            Get(2, "\"a\"", 40, 50, key: "user:7"),
            Get(4, "\"zzz\"", 0, 10, key: "other"),
            Set(4, "\"zzz\"", 0, 10, key: "other"));

        result.IsLinearizable.Should().BeFalse();
        var lines = result.Counterexample!.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines[0].Should().Be("Not linearizable: key \"user:7\" (4 operations checked on this key).");
        lines.Should().Contain(l => l.StartsWith("Longest linearizable prefix: ", StringComparison.Ordinal));
        lines.Should().Contain("Cannot place: client 2 get -> \"a\" [40, 50]");
        lines.Should().Contain(l => l.StartsWith("client 3 set \"c\" [35, 60]", StringComparison.Ordinal));
        lines.Should().Contain("client 2 get -> \"a\" [40, 50]  <- cannot be placed");
        lines.Should().ContainSingle(l => l.StartsWith("Why: ", StringComparison.Ordinal))
            .Which.Should().Contain("client 2 read \"a\" (stale): client 1 set \"b\" [20, 30] ended before the read began");
    }

    [Fact]
    public void Counterexample_lists_only_operations_that_overlap_the_blocked_one()
    {
        var result = Check(
            Set(1, "1", 0, 10),
            Set(1, "2", 20, 30),
            Get(2, "1", 40, 50),
            Set(3, "3", 100, 110));

        var overlapping = result.Counterexample!.Split('\n')
            .SkipWhile(l => !l.StartsWith("Operations overlapping it", StringComparison.Ordinal))
            .Skip(1)
            .TakeWhile(l => !l.StartsWith("Why: ", StringComparison.Ordinal))
            .Select(l => l.Trim())
            .ToList();
        overlapping.Should().Equal("client 2 get -> 1 [40, 50]  <- cannot be placed");
    }

    [Fact]
    public void Counterexample_reports_the_first_failing_key_in_key_order()
    {
        var history = new List<Operation>();
        foreach (string key in new[] { "d", "b", "c", "a" })
        {
            history.Add(Set(1, "1", 0, 10, key));
            history.Add(Get(2, key == "a" ? "1" : "2", 20, 30, key));
        }

        var result = LinearizabilityChecker.Check(history, CheckTimeout);

        result.IsLinearizable.Should().BeFalse();
        result.Counterexample.Should().StartWith("Not linearizable: key \"b\"");
        result.Counterexample.Should().NotContain("key \"a\"");
    }

    [Fact]
    public void Operation_prints_as_one_readable_line()
    {
        new Operation(3, OpKind.Set, "k", "{\"n\":1}", 5, 9, OpOutcome.Unknown).ToString()
            .Should().Be("key \"k\": client 3 set {\"n\":1} [5, ?] outcome unknown");
        Get(1, null, 1, 2).ToString().Should().Be("key \"x\": client 1 get -> (not found) [1, 2]");
    }
}
