using System.Text;
using System.Text.Json;

namespace RaftKv.StateMachine.Tests;

public sealed class KvCommandCodecTests
{
    [Fact]
    public void Encode_writes_compact_camel_case_json_with_the_op_as_a_string()
    {
        var bytes = KvCommandCodec.Encode(new KvCommand
        {
            Op = KvOp.Set, Key = "k", Value = JsonElement.Parse("1.10"), Session = 12, Seq = 7,
        });

        Encoding.UTF8.GetString(bytes).Should().Be("{\"op\":\"set\",\"key\":\"k\",\"value\":1.10,\"session\":12,\"seq\":7}");
    }

    [Fact]
    public void Encode_leaves_out_value_session_and_seq_when_there_are_none()
    {
        var bytes = KvCommandCodec.Encode(new KvCommand { Op = KvOp.Delete, Key = "k" });

        Encoding.UTF8.GetString(bytes).Should().Be("{\"op\":\"delete\",\"key\":\"k\"}");
    }

    [Fact]
    public void Set_with_a_null_value_stores_the_json_null()
    {
        var bytes = KvCommandCodec.Encode(new KvCommand { Op = KvOp.Set, Key = "k", Value = null });

        Encoding.UTF8.GetString(bytes).Should().Be("{\"op\":\"set\",\"key\":\"k\",\"value\":null}");
        KvCommandCodec.Decode(bytes).Value!.Value.ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public void Decode_reads_back_what_encode_wrote()
    {
        var command = new KvCommand { Op = KvOp.Delete, Key = "some key", Session = 3, Seq = 42 };

        KvCommandCodec.Decode(KvCommandCodec.Encode(command)).Should().Be(command);
    }

    [Fact]
    public void A_register_is_the_op_alone_and_reads_back_as_a_register()
    {
        var bytes = KvCommandCodec.Encode(new KvCommand { Op = KvOp.Register });

        Encoding.UTF8.GetString(bytes).Should().Be("{\"op\":\"register\"}");
        bytes.Should().Equal(KvCommandCodec.EncodeRegister());
        KvCommandCodec.Decode(bytes).Should().Be(new KvCommand { Op = KvOp.Register });
    }

    [Fact]
    public void The_source_generated_context_reads_what_encode_wrote()
    {
        var command = new KvCommand { Op = KvOp.Set, Key = "k", Value = JsonElement.Parse("{\"a\":[1.10]}"), Session = 5, Seq = 1 };

        var read = JsonSerializer.Deserialize(KvCommandCodec.Encode(command), KvJsonContext.Default.KvCommand)!;

        read.Should().BeEquivalentTo(command, options => options.Excluding(c => c.Value));
        read.Value!.Value.GetRawText().Should().Be("{\"a\":[1.10]}");
    }

    [Fact]
    public void Decode_accepts_properties_in_any_order_and_an_explicit_zero_session()
    {
        var command = KvCommandCodec.Decode(Commands.Utf8("{ \"seq\": 0, \"session\": 0, \"value\": \"v\", \"key\": \"k\", \"op\": \"set\" }"));

        command.Should().BeEquivalentTo(new { Op = KvOp.Set, Key = "k", Session = 0L, Seq = 0L });
        command.Value!.Value.GetRawText().Should().Be("\"v\"");
    }

    public static TheoryData<string, string> BadCommands => new()
    {
        { "", "*empty*" },
        { "   ", "*not valid JSON*" },
        { "[]", "*must be a JSON object*" },
        { "\"set\"", "*must be a JSON object*" },
        { "{}", "*no \"op\"*" },
        { "{\"key\":\"k\",\"value\":1}", "*no \"op\"*" },
        { "{\"op\":\"Set\",\"key\":\"k\",\"value\":1}", "*unknown op \"Set\"*" },
        { "{\"op\":\"put\",\"key\":\"k\",\"value\":1}", "*unknown op*" },
        { "{\"op\":0,\"key\":\"k\",\"value\":1}", "*op must be a string*" },
        { "{\"op\":\"set\",\"value\":1}", "*no \"key\"*" },
        { "{\"op\":\"set\",\"key\":\"\",\"value\":1}", "*key must not be empty*" },
        { "{\"op\":\"set\",\"key\":5,\"value\":1}", "*key must be a string*" },
        { "{\"op\":\"set\",\"key\":null,\"value\":1}", "*key must be a string*" },
        { "{\"op\":\"set\",\"key\":\"k\"}", "*set needs a \"value\"*" },
        { "{\"op\":\"delete\",\"key\":\"k\",\"value\":1}", "*delete takes no \"value\"*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"extra\":2}", "*unknown property \"extra\"*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"Key\":\"k\",\"value\":1}", "*unknown property \"Key\"*" },
        { "{\"op\":\"set\",\"key\":\"a\",\"key\":\"b\",\"value\":1}", "*property \"key\" twice*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1}x", "*not valid JSON*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1}{}", "*not valid JSON*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1", "*not valid JSON*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":}", "*not valid JSON*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":[1,]}", "*not valid JSON*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1 /* c */}", "*not valid JSON*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":NaN}", "*not valid JSON*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"session\":2,\"seq\":-1}", "*seq must not be negative*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"session\":2,\"seq\":1.5}", "*seq must be a whole number*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"session\":2,\"seq\":\"1\"}", "*seq must be a whole number*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"session\":2,\"seq\":99999999999999999999}", "*seq must be a whole number*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"seq\":3}", "*seq needs a session*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"session\":4}", "*needs a seq of 1 or more*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"session\":-4,\"seq\":1}", "*session must not be negative*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"session\":\"4\",\"seq\":1}", "*session must be a whole number*" },
        { "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"clientId\":\"c\",\"seq\":1}", "*unknown property \"clientId\"*" },
        { "{\"op\":\"register\",\"key\":\"k\"}", "*register takes no key*" },
        { "{\"op\":\"register\",\"session\":3,\"seq\":1}", "*register takes no key*" },
        { "{\"op\":\"set\",\"key\":\"\\ud800\",\"value\":1}", "*invalid string*" },
    };

    [Theory]
    [MemberData(nameof(BadCommands))]
    public void Decode_refuses_a_bad_command_with_a_clear_reason(string json, string reason)
    {
        var act = () => KvCommandCodec.Decode(Commands.Utf8(json));

        act.Should().Throw<FormatException>().WithMessage(reason);
    }

    [Theory]
    [InlineData("{\"op\":\"set\",\"key\":\"#\",\"value\":1}")]
    [InlineData("{\"op\":\"set\",\"key\":\"k\",\"value\":\"#\"}")]
    [InlineData("{\"op\":\"set\",\"key\":\"k\",\"value\":[\"#\"]}")]
    public void Decode_refuses_invalid_utf8_anywhere(string template)
    {
        var parts = template.Split('#');
        byte[] bytes = [.. Commands.Utf8(parts[0]), 0xC3, 0x28, .. Commands.Utf8(parts[1])];

        var act = () => KvCommandCodec.Decode(bytes);

        act.Should().Throw<FormatException>().WithMessage("*not valid UTF-8*");
    }

    [Fact]
    public void Decode_handles_commands_longer_than_the_stack_scratch()
    {
        var key = new string('k', 5000) + "é";
        var value = "\"" + new string('v', 100_000) + "\"";

        var command = KvCommandCodec.Decode(Commands.Set(key, value, 3000, 9));

        command.Key.Should().Be(key);
        command.Session.Should().Be(3000);
        command.Value!.Value.GetRawText().Should().Be(value);
    }

    public static TheoryData<KvCommand, string> BadToEncode => new()
    {
        { new KvCommand { Op = KvOp.Set, Key = "", Value = JsonElement.Parse("1") }, "key must not be empty*" },
        { new KvCommand { Op = KvOp.Delete, Key = "k", Value = JsonElement.Parse("1") }, "delete takes no value*" },
        { new KvCommand { Op = KvOp.Set, Key = "k", Value = default(JsonElement) }, "*undefined JsonElement*" },
        { new KvCommand { Op = KvOp.Set, Key = "k", Value = JsonElement.Parse("1"), Seq = 2 }, "seq needs a session*" },
        { new KvCommand { Op = KvOp.Set, Key = "k", Value = JsonElement.Parse("1"), Session = 1, Seq = -2 }, "seq must not be negative*" },
        { new KvCommand { Op = KvOp.Set, Key = "k", Value = JsonElement.Parse("1"), Session = 1 }, "*needs a seq of 1 or more*" },
        { new KvCommand { Op = KvOp.Set, Key = "k", Value = JsonElement.Parse("1"), Session = -1, Seq = 1 }, "session must not be negative*" },
        { new KvCommand { Op = KvOp.Register, Key = "k" }, "register takes no key*" },
        { new KvCommand { Op = (KvOp)7, Key = "k" }, "unknown op*" },
        { new KvCommand { Op = KvOp.Set, Key = "a\ud800b", Value = JsonElement.Parse("1") }, "key is not valid UTF-16*" },
    };

    [Theory]
    [MemberData(nameof(BadToEncode))]
    public void Encode_refuses_a_command_that_decode_would_refuse(KvCommand command, string reason)
    {
        var act = () => KvCommandCodec.Encode(command);

        act.Should().Throw<ArgumentException>().WithMessage(reason);
    }
}
