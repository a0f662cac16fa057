using System.Text.Json;
using RaftKv.Ctl;

namespace RaftKv.Client.Tests;

public sealed class ValueParserTests
{
    [Theory]
    [InlineData("42", JsonValueKind.Number, "42")]
    [InlineData("-1.5e3", JsonValueKind.Number, "-1.5e3")]
    [InlineData("true", JsonValueKind.True, "true")]
    [InlineData("null", JsonValueKind.Null, "null")]
    [InlineData("{\"host\":\"localhost\"}", JsonValueKind.Object, "{\"host\":\"localhost\"}")]
    [InlineData("[1,2]", JsonValueKind.Array, "[1,2]")]
    [InlineData("\"quoted\"", JsonValueKind.String, "\"quoted\"")]
    public void Valid_json_is_stored_as_that_json_value(string text, JsonValueKind kind, string raw)
    {
        var value = ValueParser.Parse(text);

        value.ValueKind.Should().Be(kind);
        value.GetRawText().Should().Be(raw);
    }

    [Theory]
    [InlineData("Hello World")]
    [InlineData("hello")]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("héllo <b>")]
    [InlineData("42 43")]
    public void Anything_else_is_stored_as_a_string(string text)
    {
        var value = ValueParser.Parse(text);

        value.ValueKind.Should().Be(JsonValueKind.String);
        value.GetString().Should().Be(text);
    }
}
