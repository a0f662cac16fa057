using RaftKv.Client.Tests.Fakes;
using RaftKv.Ctl;
using RaftKv.Ctl.Prompt;

namespace RaftKv.Client.Tests;

/// <summary>The prompt's line editing on a terminal: history across sessions, Tab completion, Ctrl+C and Ctrl+D.</summary>
public sealed class LineEditorTests
{
    private static readonly ConsoleKeyInfo Enter = new('\r', ConsoleKey.Enter, false, false, false);
    private static readonly ConsoleKeyInfo Tab = new('\t', ConsoleKey.Tab, false, false, false);
    private static readonly ConsoleKeyInfo Up = new('\0', ConsoleKey.UpArrow, false, false, false);
    private static readonly ConsoleKeyInfo Left = new('\0', ConsoleKey.LeftArrow, false, false, false);
    private static readonly ConsoleKeyInfo CtrlC = new('\u0003', ConsoleKey.C, false, false, true);
    private static readonly ConsoleKeyInfo CtrlD = new('\u0004', ConsoleKey.D, false, false, true);

    private static IEnumerable<ConsoleKeyInfo> Type(string text) =>
        text.Select(c => new ConsoleKeyInfo(c, c == ' ' ? ConsoleKey.Spacebar : ConsoleKey.A, false, false, false));

    private static Func<ConsoleKeyInfo> Keys(params IEnumerable<ConsoleKeyInfo>[] parts)
    {
        var queue = new Queue<ConsoleKeyInfo>(parts.SelectMany(p => p));
        return () => queue.Dequeue();
    }

    private static LineEditor Editor(Func<ConsoleKeyInfo> keys, string? history = null) =>
        new(keys, TextWriter.Null, words => words.Count == 0 ? ["set", "get", "status", "show-log"] : ["--stale", "--raw", "--json"], history);

    [Fact]
    public void Tab_completes_a_command_and_then_an_option()
    {
        var editor = Editor(Keys(Type("sta"), [Tab], Type("--st"), [Tab, Enter]));

        editor.ReadLine("> ").Should().Be("status --stale ");
    }

    [Fact]
    public void Tab_with_several_candidates_fills_in_their_common_prefix()
    {
        var editor = Editor(Keys(Type("s"), [Tab, Enter]));

        editor.ReadLine("> ").Should().Be("s", "set, status and show-log share only 's'");
    }

    [Fact]
    public void Up_arrow_recalls_a_line_of_an_earlier_session_from_the_history_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"raftctl-history-{Guid.NewGuid():N}");
        try
        {
            Editor(Keys(Type("set a 1"), [Enter]), file).ReadLine("> ");

            var next = Editor(Keys([Up, Enter]), file);
            next.ReadLine("> ").Should().Be("set a 1");
            File.ReadAllLines(file).Should().Equal("set a 1");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Ctrl_c_drops_the_line_being_typed_and_ctrl_d_on_an_empty_line_leaves()
    {
        var editor = Editor(Keys(Type("delete everything"), [CtrlC], Type("get k"), [Enter, CtrlD]));

        editor.ReadLine("> ").Should().Be("get k");
        editor.ReadLine("> ").Should().BeNull();
    }

    [Fact]
    public void Typing_in_the_middle_of_the_line_inserts_at_the_cursor()
    {
        var editor = Editor(Keys(Type("gt k"), [Left, Left, Left], Type("e"), [Enter]));

        editor.ReadLine("> ").Should().Be("get k");
    }

    [Fact]
    public async Task The_prompt_on_a_terminal_runs_edited_lines_until_ctrl_d()
    {
        await using var cluster = FakeCluster.Start(1);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var cli = new Cli(output, error, TextReader.Null, readKey: Keys(Type("pu"), [Tab], Type("a 7"), [Enter, CtrlD]));

        var code = await cli.RunAsync(["--servers", cluster.ServersFile], CancellationToken.None);

        code.Should().Be(ExitCodes.Success, error.ToString());
        cluster.Store["a"].GetInt32().Should().Be(7, "'pu' + Tab completed to 'put'");
    }
}
