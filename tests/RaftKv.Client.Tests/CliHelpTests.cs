using System.Text.RegularExpressions;
using RaftKv.Client.Tests.Fakes;
using RaftKv.Ctl;

namespace RaftKv.Client.Tests;

/// <summary>
/// Every command's help, found by walking the help pages themselves (raftctl help, then each command's and each group's
/// own page): each shows the command's real usage shape (required arguments bare, optional ones in brackets, one of
/// several in parentheses), the same one the hint after a usage error gives, and no .NET type names anywhere.
/// </summary>
public sealed partial class CliHelpTests
{
    /// <summary>The specification: every command's usage line. A command missing here (a new one) fails the walk.</summary>
    private static readonly Dictionary<string, string> Shapes = new()
    {
        ["set"] = "set KEY (VALUE | - | --file PATH) [options]",
        ["get"] = "get [KEY] [options]",
        ["delete"] = "delete (KEY | --prefix P) [options]",
        ["show-log"] = "show-log [options]",
        ["status"] = "status [options]",
        ["bench"] = "bench [options]",
        ["txn"] = "txn [FILE]",
        ["watch"] = "watch KEY [options]",
        ["lease"] = "lease COMMAND",
        ["lease grant"] = "lease grant TTL",
        ["lease keepalive"] = "lease keepalive ID",
        ["lease revoke"] = "lease revoke ID",
        ["lease ttl"] = "lease ttl ID",
        ["lease list"] = "lease list",
        ["check"] = "check [options]",
        ["completion"] = "completion SHELL",
        ["help"] = "help [COMMAND...]",
        ["member"] = "member COMMAND",
        ["member list"] = "member list",
        ["member add"] = "member add ID HOST:PORT",
        ["member promote"] = "member promote ID",
        ["member remove"] = "member remove ID",
        ["transfer-leader"] = "transfer-leader ID",
        ["make-certs"] = "make-certs [options]",
    };

    private static string[] Lines(string text) => text.TrimEnd('\n').Split('\n');

    /// <summary>Every command path, read from the "Commands:" sections of raftctl's help and of each group's help.</summary>
    private static async Task<List<string>> WalkAsync()
    {
        var found = new List<string>();
        var pending = new Queue<string>([""]);
        while (pending.TryDequeue(out var path))
        {
            var help = await CliRunner.RunAsync([.. Words(path), "--help"]);
            help.ExitCode.Should().Be(ExitCodes.Success, $"raftctl {path} --help: {help.Err}");
            foreach (var name in Section(help.Out, "Commands:").Select(row => row.Split([' ', ','], 2)[0]))
            {
                var child = path.Length == 0 ? name : $"{path} {name}";
                found.Add(child);
                pending.Enqueue(child);
            }
        }
        return found;
    }

    private static string[] Words(string path) => path.Length == 0 ? [] : path.Split(' ');

    /// <summary>The rows of a help section: the indented lines after <paramref name="title"/> up to the next blank line.</summary>
    private static IEnumerable<string> Section(string help, string title) =>
        Lines(help).SkipWhile(l => l != title).Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim());

    [Fact]
    public async Task The_help_walk_finds_every_command_and_each_one_has_a_specified_shape()
    {
        var commands = await WalkAsync();

        commands.Should().BeEquivalentTo(Shapes.Keys, "each command in the help has its usage shape specified here, and each specified one is in the help");
    }

    [Fact]
    public async Task Every_commands_help_shows_its_real_usage_shape_the_same_from_help_COMMAND_and_COMMAND_help()
    {
        foreach (var (path, shape) in Shapes)
        {
            var page = await CliRunner.RunAsync([.. Words(path), "--help"]);
            var viaHelp = await CliRunner.RunAsync(["help", .. Words(path)]);

            page.ExitCode.Should().Be(ExitCodes.Success, $"{path} --help even without its required arguments: {page.Err}");
            viaHelp.ExitCode.Should().Be(ExitCodes.Success, $"help {path}: {viaHelp.Err}");
            viaHelp.Out.Should().Be(page.Out, $"help {path} and {path} --help are one page");
            Section(page.Out, "Usage:").Should().Equal([$"raftctl {shape}"], $"the usage of {path}");
            page.Out.Should().NotContain("System.").And.NotContain("`1");
            foreach (var row in Section(page.Out, "Arguments:").Concat(Section(page.Out, "Options:")).Concat(Section(page.Out, "Options (any command):")))
                AngleBracketName().IsMatch(row.Split("  ")[0]).Should().BeFalse($"{path}: '{row}' names its value in raftctl's notation, not <VALUE>");
            foreach (var argument in Section(page.Out, "Arguments:").Select(r => r.Split(' ')[0]))
                shape.Should().Contain(argument, $"{path}'s argument {argument} appears in its usage line");
        }
    }

    [Fact]
    public async Task A_command_missing_a_required_argument_says_so_in_one_line_and_hints_the_same_shape_as_its_help()
    {
        foreach (var (path, shape) in Shapes.Where(s => RequiresSomething(s.Key, s.Value)))
        {
            var result = await CliRunner.RunAsync(["--servers", "/nonexistent/servers.txt", .. Words(path)]);

            result.ExitCode.Should().Be(ExitCodes.Usage, $"{path} without its required argument: {result.Err}");
            var lines = Lines(result.Err);
            lines.Should().HaveCount(2, result.Err);
            lines[0].Should().StartWith("error: ").And.NotContain("System.");
            lines[1].Should().Be($"usage: raftctl {shape}  (more: raftctl help {path})");
        }
    }

    [Fact]
    public async Task Arguments_shown_optional_are_optional()
    {
        await using var cluster = FakeCluster.Start(1);

        (await CliRunner.RunAsync(["--servers", cluster.ServersFile, "get"])).ExitCode.Should().Be(ExitCodes.Success, "get [KEY]: without KEY, every key");
        var txn = await CliRunner.RunAsync(["--servers", cluster.ServersFile, "txn"], "not a document");
        Lines(txn.Err)[0].Should().Be("error: the transaction is not valid JSON at line 1, column 2 (see raftctl help txn for its shape)",
            "txn [FILE]: without FILE the document is read from stdin (here it is not JSON), in one line");
        (await CliRunner.RunAsync(["help"])).ExitCode.Should().Be(ExitCodes.Success, "help [COMMAND...]");
        (await CliRunner.RunAsync(["--servers", cluster.ServersFile, "set", "k", "--file", Path.Combine(cluster.Directory, "servers.txt")]))
            .ExitCode.Should().Be(ExitCodes.Success, "set KEY --file PATH: VALUE is not needed with --file");
        (await CliRunner.RunAsync(["--servers", cluster.ServersFile, "delete", "--prefix", "k"])).ExitCode.Should().Be(ExitCodes.Success, "delete --prefix P: no KEY");
    }

    [Fact]
    public async Task A_bad_value_for_any_option_of_any_command_names_no_dotnet_type()
    {
        var scratch = Directory.CreateTempSubdirectory("raftctl-help-");
        try
        {
            foreach (var path in Shapes.Keys.Where(p => p is not "help" and not "completion"))
            {
                var page = await CliRunner.RunAsync([.. Words(path), "--help"]);
                var options = Section(page.Out, "Options:").Select(r => r.Split("  ")[0].Split(' '))
                    .Where(words => words.Length == 2 && words[0].StartsWith("--", StringComparison.Ordinal)) // "--name VALUE": takes a value
                    .Select(words => words[0].TrimEnd(','))
                    .Where(o => o != "--out");
                foreach (var option in options)
                {
                    string[] args = ["--servers", Path.Combine(scratch.FullName, "none.txt"), .. Words(path), option, "x!"];
                    if (path == "make-certs") args = [.. args, "--out", scratch.FullName];
                    var result = await CliRunner.RunAsync(args, "");

                    var said = result.Out + result.Err;
                    said.Should().NotContain("System.", $"raftctl {string.Join(' ', args)}").And.NotContain("`1").And.NotContain("Exception");
                    if (result.ExitCode == ExitCodes.Usage) Lines(result.Err).Length.Should().BeLessThanOrEqualTo(2, result.Err);
                }
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_value_for_any_argument_of_any_command_names_the_argument_and_no_dotnet_type()
    {
        foreach (var path in Shapes.Keys)
        {
            var page = await CliRunner.RunAsync([.. Words(path), "--help"]);
            var arguments = Section(page.Out, "Arguments:").Select(r => r.Split(' ')[0]).ToList();
            if (arguments.Count == 0) continue;
            string[] args = ["--servers", "/nonexistent/servers.txt", .. Words(path), .. arguments.Select(_ => "x!")];

            var result = await CliRunner.RunAsync(args, "");

            var said = result.Out + result.Err;
            said.Should().NotContain("System.", $"raftctl {string.Join(' ', args)}").And.NotContain("`1").And.NotContain("Exception");
            result.ExitCode.Should().Be(ExitCodes.Usage, $"raftctl {string.Join(' ', args)}: {said}");
            Lines(result.Err).Should().HaveCount(2, result.Err);
        }
        var typed = await CliRunner.RunAsync(["transfer-leader", "x"]);
        Lines(typed.Err)[0].Should().Be("error: ID expects a whole number, not 'x'");
        var shell = await CliRunner.RunAsync(["completion", "fish"]);
        Lines(shell.Err)[0].Should().Be("error: SHELL must be one of bash, zsh, not 'fish'");
    }

    /// <summary>Whether the shape has a bare (required) word after the command's path: running it alone is then a usage error.</summary>
    private static bool RequiresSomething(string path, string shape)
    {
        var rest = shape[path.Length..].Replace("[options]", "", StringComparison.Ordinal).Trim();
        return rest.Length > 0 && !rest.StartsWith('[');
    }

    [GeneratedRegex("<[A-Za-z|:.-]+>")]
    private static partial Regex AngleBracketName();
}
