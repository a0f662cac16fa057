using System.Text.Json;

namespace RaftKv.StateMachine.Tests;

public sealed class ValueFidelityTests
{
    public static TheoryData<string> Values => new()
    {
        "\"hello\"",
        "\"\"",
        "1.10",
        "12345678901234567890",
        "-0.0",
        "1e400",
        "3.141592653589793238462643383279",
        "0",
        "true",
        "false",
        "null",
        "[]",
        "{}",
        "[1,\"a\",null,true,[2.50,[]],{\"x\":{}}]",
        "{\"b\":1,\"a\":[1.10,{\"c\":null}],\"é\":\"ü\"}",
        "\"héllo wörld 😀 中文\"",
        "\"h\\u00e9llo \\ud83d\\ude00 \\\"quoted\\\" \\\\ \\n\\t\"",
        "\"</script>&'+\"",
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Every_json_value_is_returned_exactly_as_written(string json)
    {
        var machine = new KvStateMachine();

        var result = machine.Apply(1, Commands.Set("k", json));

        result.Found.Should().BeTrue();
        result.Text().Should().Be(json);
        machine.Get("k").Should().Be(json);
        machine.All["k"].GetRawText().Should().Be(json);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void Every_json_value_survives_encode_and_decode_exactly(string json)
    {
        var command = new KvCommand { Op = KvOp.Set, Key = "k", Value = JsonElement.Parse(json), Session = 4, Seq = 3 };

        var decoded = KvCommandCodec.Decode(KvCommandCodec.Encode(command));

        decoded.Value!.Value.GetRawText().Should().Be(json);
        decoded.Should().BeEquivalentTo(command, options => options.Excluding(c => c.Value));
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void Every_json_value_survives_snapshot_and_restore_exactly(string json)
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Set("k", json, 1, 1));
        var restored = new KvStateMachine();

        restored.Restore(machine.TakeSnapshot());

        restored.Get("k").Should().Be(json);
        restored.Apply(3, Commands.Set("k", json, 1, 1)).Text().Should().Be(json);
    }

    [Fact]
    public void Whitespace_between_tokens_is_dropped_by_encode_but_whitespace_inside_strings_is_kept()
    {
        var machine = new KvStateMachine();

        machine.Apply(1, Commands.Set("k", "[ 1 ,\n\t2.0 , { \"a b\" : \" x  y \" } ]"));

        machine.Get("k").Should().Be("[1,2.0,{\"a b\":\" x  y \"}]");
    }

    [Fact]
    public void A_command_not_made_by_encode_stores_its_value_text_as_it_appears()
    {
        var machine = new KvStateMachine();

        machine.Apply(1, Commands.Utf8("{\"op\":\"set\",\"key\":\"k\",\"value\":[1, 2.50]}"));

        machine.Get("k").Should().Be("[1, 2.50]");
    }

    [Fact]
    public void Unicode_keys_round_trip_and_their_sessions_remember_them()
    {
        var machine = new KvStateMachine();
        machine.Apply(1, Commands.Register());
        machine.Apply(2, Commands.Set("ключ 🔑 \"q\"\n", "1", 1, 1));
        var restored = new KvStateMachine();

        restored.Restore(machine.TakeSnapshot());

        restored.Get("ключ 🔑 \"q\"\n").Should().Be("1");
        restored.Apply(3, Commands.Set("ключ 🔑 \"q\"\n", "2", 1, 1)).Kind.Should().Be(KvResultKind.Remembered);
        restored.Get("ключ 🔑 \"q\"\n").Should().Be("1");
    }

    [Fact]
    public void Values_nested_as_deep_as_a_JsonDocument_allows_are_stored()
    {
        var json = new string('[', 64) + new string(']', 64);
        var machine = new KvStateMachine();

        machine.Apply(1, Commands.Set("deep", json));

        machine.Get("deep").Should().Be(json);
    }

    [Fact]
    public void Values_nested_deeper_than_the_limit_are_refused()
    {
        var json = new string('[', 65) + new string(']', 65);
        var command = Commands.Utf8($"{{\"op\":\"set\",\"key\":\"deep\",\"value\":{json}}}");
        var machine = new KvStateMachine();

        var act = () => machine.Apply(1, command);

        act.Should().Throw<FormatException>().WithMessage("*not valid JSON*");
        machine.Count.Should().Be(0);
    }
}
