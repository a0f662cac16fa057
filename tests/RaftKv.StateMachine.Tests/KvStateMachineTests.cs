namespace RaftKv.StateMachine.Tests;

public sealed class KvStateMachineTests
{
    [Fact]
    public void Set_stores_a_value_and_reports_it()
    {
        var machine = new KvStateMachine();

        var result = machine.Apply(1, Commands.Set("k", "\"v\""));

        result.Should().Be(new KvResult(true, System.Text.Json.JsonElement.Parse("\"v\"")));
        result.Kind.Should().Be(KvResultKind.Applied);
        machine.Get("k").Should().Be("\"v\"");
        machine.Count.Should().Be(1);
        machine.AppliedIndex.Should().Be(1);
    }

    [Fact]
    public void Set_overwrites_an_existing_value()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));

        var result = machine.Apply(2, Commands.Set("k", "[2]"));

        result.Text().Should().Be("[2]");
        machine.Get("k").Should().Be("[2]");
        machine.Count.Should().Be(1);
    }

    [Fact]
    public void Delete_of_an_existing_key_removes_it_and_reports_found()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));

        var result = machine.Apply(2, Commands.Delete("k"));

        result.Found.Should().BeTrue();
        result.Value.Should().BeNull();
        machine.TryGet("k", out _).Should().BeFalse();
        machine.Count.Should().Be(0);
    }

    [Fact]
    public void Delete_of_a_missing_key_reports_not_found_and_still_advances()
    {
        var machine = new KvStateMachine();

        var result = machine.Apply(5, Commands.Delete("nope"));

        result.Found.Should().BeFalse();
        result.Kind.Should().Be(KvResultKind.Applied);
        machine.AppliedIndex.Should().Be(5);
    }

    [Fact]
    public void Get_of_a_missing_key_is_not_found()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("a", "1"));

        machine.TryGet("b", out _).Should().BeFalse();
        machine.All.ContainsKey("b").Should().BeFalse();
        machine.All.TryGetValue("b", out _).Should().BeFalse();
        var act = () => machine.All["b"];
        act.Should().Throw<KeyNotFoundException>();
    }

    [Fact]
    public void Keys_are_case_sensitive_and_compared_ordinally()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));
        machine.Apply(2, Commands.Set("K", "2"));

        machine.Get("k").Should().Be("1");
        machine.Get("K").Should().Be("2");
    }

    [Fact]
    public void All_lists_every_key_in_ordinal_order()
    {
        var machine = new KvStateMachine();
        var index = 0L;
        foreach (var key in new[] { "b", "a", "B", "é", "aa", "\ud83d\ude00", "\uffff", "a0" })
            machine.Apply(++index, Commands.Set(key, index.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        machine.Apply(++index, Commands.Delete("aa"));

        machine.All.Keys.Should().Equal("B", "a", "a0", "b", "é", "\ud83d\ude00", "\uffff");
        machine.All.Select(pair => pair.Value.GetRawText()).Should().Equal("3", "2", "8", "1", "4", "6", "7");
        machine.All.Values.Select(v => v.GetRawText()).Should().Equal("3", "2", "8", "1", "4", "6", "7");
        machine.All.Count.Should().Be(7);
    }

    [Fact]
    public void Enumerating_All_while_the_store_changes_throws()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("a", "1"));
        machine.Apply(2, Commands.Set("b", "2"));

        var act = () =>
        {
            foreach (var pair in machine.All) machine.Apply(machine.AppliedIndex + 1, Commands.Set(pair.Key + "x", "0"));
        };

        act.Should().Throw<InvalidOperationException>().WithMessage("*changed during enumeration*");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    [InlineData(0)]
    [InlineData(-1)]
    public void Apply_at_an_index_not_after_the_applied_index_throws_and_changes_nothing(long index)
    {
        var machine = new KvStateMachine();
        machine.Apply(3, Commands.Set("k", "1"));

        var act = () => machine.Apply(index, Commands.Set("k", "2"));

        act.Should().Throw<InvalidOperationException>().WithMessage($"entry {index} is not after the applied index 3*");
        machine.Get("k").Should().Be("1");
        machine.AppliedIndex.Should().Be(3);
    }

    [Fact]
    public void Apply_may_skip_indexes_that_carried_no_command()
    {
        var machine = new KvStateMachine();

        machine.Apply(10, Commands.Set("k", "1"));

        machine.AppliedIndex.Should().Be(10);
    }

    [Fact]
    public void AdvanceTo_moves_the_applied_index_without_changing_data()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));
        var before = machine.All.ToDictionary(p => p.Key, p => p.Value.GetRawText());

        machine.AdvanceTo(4);

        machine.AppliedIndex.Should().Be(4);
        machine.All.ToDictionary(p => p.Key, p => p.Value.GetRawText()).Should().Equal(before);
        var replay = () => machine.Apply(4, Commands.Set("k", "2"));
        replay.Should().Throw<InvalidOperationException>();
    }

    [Theory]
    [InlineData(4)]
    [InlineData(3)]
    public void AdvanceTo_an_index_not_after_the_applied_index_throws(long index)
    {
        var machine = new KvStateMachine();
        machine.AdvanceTo(4);

        var act = () => machine.AdvanceTo(index);

        act.Should().Throw<InvalidOperationException>();
        machine.AppliedIndex.Should().Be(4);
    }

    [Fact]
    public void A_bad_command_throws_and_changes_nothing_not_even_the_applied_index()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Set("k", "1", 1, 1));
        var before = machine.TakeSnapshot();

        var act = () => machine.Apply(3, Commands.Utf8("{\"op\":\"set\",\"key\":\"\",\"value\":2,\"session\":1,\"seq\":2}"));

        act.Should().Throw<FormatException>().WithMessage("*key must not be empty*");
        machine.AppliedIndex.Should().Be(2);
        machine.TakeSnapshot().Should().Equal(before);
    }

    [Fact]
    public void A_caller_can_step_past_a_bad_command_with_AdvanceTo()
    {
        var machine = new KvStateMachine();
        var bad = () => machine.Apply(1, Commands.Utf8("not json"));
        bad.Should().Throw<FormatException>();

        machine.AdvanceTo(1);
        machine.Apply(2, Commands.Set("k", "1"));

        machine.AppliedIndex.Should().Be(2);
        machine.Get("k").Should().Be("1");
    }

    [Fact]
    public void Stored_values_do_not_change_when_the_command_buffer_is_reused()
    {
        var machine = new KvStateMachine();
        var buffer = Commands.Set("k", "\"abc\"");
        machine.Apply(1, buffer);

        buffer.AsSpan().Fill((byte)'x');

        machine.Get("k").Should().Be("\"abc\"");
    }

    [Fact]
    public void A_result_value_read_later_is_the_value_set_even_after_an_overwrite()
    {
        var machine = new KvStateMachine();
        var first = machine.Apply(1, Commands.Set("k", "1"));

        machine.Apply(2, Commands.Set("k", "2"));

        first.Text().Should().Be("1");
    }

    [Fact]
    public void Long_keys_work_like_short_ones()
    {
        var key = new string('k', 10_000);
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Set(key, "1", 1, 1));

        machine.Apply(3, Commands.Set(key, "2", 1, 1)).Kind.Should().Be(KvResultKind.Remembered);
        machine.Apply(4, Commands.Delete(key, 1, 2)).Found.Should().BeTrue();

        machine.Count.Should().Be(0);
    }

    [Fact]
    public void Max_sessions_below_one_is_refused()
    {
        var act = () => new KvStateMachine(maxSessions: 0);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
