using RaftKv.Ctl;

namespace RaftKv.Client.Tests;

public sealed class ShellTokenizerTests
{
    [Theory]
    [InlineData("set a 1", new[] { "set", "a", "1" })]
    [InlineData("  get   a  ", new[] { "get", "a" })]
    [InlineData("set message \"Hello World\"", new[] { "set", "message", "Hello World" })]
    [InlineData("set config '{\"host\":\"localhost\"}'", new[] { "set", "config", "{\"host\":\"localhost\"}" })]
    [InlineData("set q '\"quoted\"'", new[] { "set", "q", "\"quoted\"" })]
    [InlineData("set e \"a \\\"b\\\" c\"", new[] { "set", "e", "a \"b\" c" })]
    [InlineData("set k a\\ b", new[] { "set", "k", "a b" })]
    [InlineData("set '' x", new[] { "set", "", "x" })]
    [InlineData("set k ab'cd'\"ef\"", new[] { "set", "k", "abcdef" })]
    [InlineData("", new string[0])]
    public void Words_split_like_a_posix_shell(string line, string[] words)
    {
        ShellTokenizer.Split(line).Should().Equal(words);
    }

    [Theory]
    [InlineData("set a 'open")]
    [InlineData("set a \"open")]
    [InlineData("set a \\")]
    public void Unterminated_quotes_and_trailing_backslashes_are_errors(string line)
    {
        var split = () => ShellTokenizer.Split(line);

        split.Should().Throw<FormatException>();
    }
}
