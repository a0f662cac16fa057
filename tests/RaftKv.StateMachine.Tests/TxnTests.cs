using System.Text.Json;

namespace RaftKv.StateMachine.Tests;

public sealed class TxnTests
{
    [Fact]
    public void If_absent_sets_a_missing_key()
    {
        var machine = new KvStateMachine();

        var result = machine.Apply(1, DataCommands.Guarded("k", "1", Guard.Absent));

        result.Succeeded.Should().BeTrue();
        machine.Get("k").Should().Be("1");
    }

    [Fact]
    public void If_absent_on_an_existing_key_changes_nothing_and_returns_the_key_as_it_is()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));

        var result = machine.Apply(2, DataCommands.Guarded("k", "2", Guard.Absent));

        result.Succeeded.Should().BeFalse();
        machine.Get("k").Should().Be("1");
        var current = result.Responses!.Single().Kvs!.Single();
        (current.Key, current.Value!.Value.GetRawText(), current.ModRevision).Should().Be(("k", "1", 1L));
        machine.GetKeyValue("k")!.Version.Should().Be(1);
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(1, false)]
    [InlineData(3, false)]
    public void If_version_holds_only_for_the_current_version(long version, bool succeeds)
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));
        machine.Apply(2, Commands.Set("k", "2"));

        var result = machine.Apply(3, DataCommands.Guarded("k", "3", new Guard(CompareTarget.Version, version)));

        result.Succeeded.Should().Be(succeeds);
        machine.Get("k").Should().Be(succeeds ? "3" : "2");
    }

    [Theory]
    [InlineData(4, true)]
    [InlineData(1, false)]
    public void If_mod_revision_holds_only_for_the_revision_of_the_last_write(long revision, bool succeeds)
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));
        machine.Apply(4, Commands.Set("k", "2"));

        var result = machine.Apply(5, DataCommands.Guarded("k", null, new Guard(CompareTarget.ModRevision, revision)));

        result.Succeeded.Should().Be(succeeds);
        machine.TryGet("k", out _).Should().Be(!succeeds);
    }

    [Theory]
    [InlineData("{\"a\":1,\"b\":[1,2]}", true)]
    [InlineData("{\"b\":[1,2],\"a\":1}", true)]
    [InlineData("{\"a\":1}", false)]
    [InlineData("\"{\\\"a\\\":1,\\\"b\\\":[1,2]}\"", false)]
    public void If_value_compares_JSON_values_not_text(string expected, bool succeeds)
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "{\"a\": 1, \"b\": [1, 2]}"));

        var result = machine.Apply(2, DataCommands.Guarded("k", "0", new Guard(CompareTarget.Value, Value: JsonElement.Parse(expected))));

        result.Succeeded.Should().Be(succeeds);
    }

    [Fact]
    public void If_value_on_a_missing_key_fails()
    {
        var machine = new KvStateMachine();

        var result = machine.Apply(1, DataCommands.Guarded("k", "1", new Guard(CompareTarget.Value, Value: JsonElement.Parse("null"))));

        result.Succeeded.Should().BeFalse();
        machine.Count.Should().Be(0);
    }

    [Fact]
    public void A_txn_runs_the_success_branch_atomically_at_one_revision()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("from", "10"));

        var result = machine.Apply(2, DataCommands.Txn("""
            {"compare":[{"key":"from","target":"value","op":"=","value":10}],
             "success":[{"op":"set","key":"from","value":0},{"op":"set","key":"to","value":10},{"op":"get","key":"to"}],
             "failure":[{"op":"get","key":"from"}]}
            """));

        result.Succeeded.Should().BeTrue();
        result.Revision.Should().Be(2);
        result.Responses!.Select(r => r.Op).Should().Equal("set", "set", "get");
        result.Responses![2].Kvs!.Single().Value!.Value.GetRawText().Should().Be("10");
        machine.GetKeyValue("from")!.ModRevision.Should().Be(2);
        machine.GetKeyValue("to")!.ModRevision.Should().Be(2);
    }

    [Fact]
    public void A_txn_whose_comparison_fails_runs_only_the_failure_branch()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("k", "1"));

        var result = machine.Apply(2, DataCommands.Txn("""
            {"compare":[{"key":"k","target":"version","op":">","value":5}],
             "success":[{"op":"delete","key":"k"}],
             "failure":[{"op":"set","key":"failed","value":true}]}
            """));

        result.Succeeded.Should().BeFalse();
        machine.Get("k").Should().Be("1");
        machine.Get("failed").Should().Be("true");
    }

    [Fact]
    public void Every_comparison_must_hold()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Set("a", "1"));

        var result = machine.Apply(2, DataCommands.Txn("""
            {"compare":[{"key":"a","target":"version","op":"=","value":1},{"key":"b","target":"createRevision","op":"!=","value":0}],
             "success":[{"op":"set","key":"x","value":1}]}
            """));

        result.Succeeded.Should().BeFalse();
        machine.TryGet("x", out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("{\"compare\":[{\"key\":\"k\",\"target\":\"size\",\"op\":\"=\",\"value\":1}]}", "*unknown target*")]
    [InlineData("{\"compare\":[{\"key\":\"k\",\"target\":\"value\",\"op\":\"<\",\"value\":1}]}", "*only be compared with = or !=*")]
    [InlineData("{\"success\":[{\"op\":\"set\",\"key\":\"k\"}]}", "*set needs a \"value\"*")]
    [InlineData("{\"success\":[{\"op\":\"put\",\"key\":\"k\",\"value\":1}]}", "*unknown op*")]
    [InlineData("{\"success\":[],\"extra\":1}", "*unknown property*")]
    [InlineData("[]", "*must be a JSON object*")]
    public void A_malformed_txn_is_refused_before_it_is_proposed(string document, string reason)
    {
        var act = () => DataCommands.Txn(document);

        act.Should().Throw<ArgumentException>().WithMessage(reason);
    }

    [Fact]
    public void A_retried_txn_is_not_applied_twice()
    {
        var machine = new KvStateMachine();
        var increment = DataCommands.Txn("""
            {"compare":[{"key":"n","target":"version","op":"=","value":0}],"success":[{"op":"set","key":"n","value":1}]}
            """, session: 1, seq: 1);
        machine.Apply(1, Commands.Register());
        machine.Apply(2, increment);
        machine.Apply(3, Commands.Delete("n"));

        var retry = machine.Apply(4, increment);

        retry.Kind.Should().Be(KvResultKind.Remembered);
        retry.Found.Should().BeTrue("the session remembers that the txn succeeded");
        machine.TryGet("n", out _).Should().BeFalse();
    }
}
