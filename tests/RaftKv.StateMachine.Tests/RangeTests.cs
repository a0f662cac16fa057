namespace RaftKv.StateMachine.Tests;

public sealed class RangeTests
{
    private static KvStateMachine WithKeys(params string[] keys)
    {
        var machine = new KvStateMachine();
        foreach (var key in keys) machine.Apply(machine.AppliedIndex + 1, Commands.Set(key, $"\"{key}\""));
        return machine;
    }

    [Fact]
    public void A_prefix_range_returns_exactly_the_keys_with_that_prefix_in_ordinal_order()
    {
        var machine = WithKeys("b", "a/2", "a/10", "a/1", "a", "a0", "A/1", "a/\uffff");

        var result = machine.Range(KeyRange.Prefix("a/"));

        result.Kvs.Select(kv => kv.Key).Should().Equal("a/1", "a/10", "a/2", "a/\uffff");
        result.Count.Should().Be(4);
        result.More.Should().BeFalse();
    }

    [Fact]
    public void A_half_open_range_includes_its_start_and_excludes_its_end()
    {
        var machine = WithKeys("a", "b", "c", "d");

        machine.Range(new KeyRange("b", "d")).Kvs.Select(kv => kv.Key).Should().Equal("b", "c");
        machine.Range(new KeyRange("b", null)).Kvs.Select(kv => kv.Key).Should().Equal("b", "c", "d");
        machine.Range(new KeyRange("d", "b")).Count.Should().Be(0);
    }

    [Fact]
    public void The_empty_prefix_is_every_key()
    {
        var machine = WithKeys("x", "y");

        machine.Range(KeyRange.Prefix("")).Count.Should().Be(2);
    }

    [Fact]
    public void A_limit_cuts_the_keys_returned_but_count_is_the_whole_range_and_more_says_so()
    {
        var machine = WithKeys("p/1", "p/2", "p/3", "q");

        var result = machine.Range(KeyRange.Prefix("p/"), limit: 2);

        result.Kvs.Select(kv => kv.Key).Should().Equal("p/1", "p/2");
        result.Count.Should().Be(3);
        result.More.Should().BeTrue();
    }

    [Fact]
    public void Keys_only_leaves_values_out_and_count_only_returns_no_keys()
    {
        var machine = WithKeys("p/1", "p/2");

        machine.Range(KeyRange.Prefix("p/"), keysOnly: true).Kvs.Should().OnlyContain(kv => kv.Value == null);
        var counted = machine.Range(KeyRange.Prefix("p/"), countOnly: true);
        counted.Kvs.Should().BeEmpty();
        counted.Count.Should().Be(2);
        counted.More.Should().BeFalse();
    }

    [Fact]
    public void Delete_prefix_removes_every_key_with_the_prefix_and_says_how_many()
    {
        var machine = WithKeys("p/1", "p/2", "p", "q/1");

        var result = machine.Apply(machine.AppliedIndex + 1, DataCommands.DeletePrefix("p/"));

        result.Deleted.Should().Be(2);
        result.Found.Should().BeTrue();
        machine.All.Keys.Should().Equal("p", "q/1");
    }

    [Fact]
    public void Delete_prefix_of_nothing_removes_nothing_and_is_not_found()
    {
        var machine = WithKeys("a");

        var result = machine.Apply(2, DataCommands.DeletePrefix("zz"));

        (result.Found, result.Deleted).Should().Be((false, 0L));
        machine.Count.Should().Be(1);
    }

    [Fact]
    public void Ranges_stay_correct_after_deletes_and_a_snapshot_restore()
    {
        var machine = WithKeys("p/1", "p/2", "p/3");
        machine.Apply(4, Commands.Delete("p/2"));
        var restored = new KvStateMachine();

        restored.Restore(machine.TakeSnapshot());

        restored.Range(KeyRange.Prefix("p/")).Kvs.Select(kv => kv.Key).Should().Equal("p/1", "p/3");
    }
}
