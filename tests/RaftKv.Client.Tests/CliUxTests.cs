using System.Text.Json;
using RaftKv.Client.Tests.Fakes;
using RaftKv.Ctl;

namespace RaftKv.Client.Tests;

/// <summary>The rough edges a newcomer met in raftctl's first five minutes (issue 12), each pinned down.</summary>
public sealed class CliUxTests
{
    private static Task<CliResult> Run(FakeCluster cluster, params string[] args) =>
        CliRunner.RunAsync(["--servers", cluster.ServersFile, "--timeout", "3", .. args]);

    private static string[] Lines(string text) => text.TrimEnd('\n').Split('\n');

    [Fact]
    public async Task When_no_node_answers_raftctl_exits_3_long_before_its_timeout_naming_the_servers_file_and_addresses()
    {
        var directory = Directory.CreateTempSubdirectory("raftctl-ux-");
        try
        {
            var servers = Path.Combine(directory.FullName, "servers.txt");
            var addresses = new[] { RaftClientTests.UnusedAddress(), RaftClientTests.UnusedAddress() };
            await File.WriteAllLinesAsync(servers, addresses);

            // A 60 s --timeout: only failing fast finishes within the test's 20 s deadline.
            var run = CliRunner.RunAsync(["--servers", servers, "--timeout", "60", "get", "k"]);
            var result = await run.WaitAsync(TimeSpan.FromSeconds(20));

            result.ExitCode.Should().Be(ExitCodes.Unavailable);
            var lines = Lines(result.Err);
            lines.Should().HaveCount(2);
            lines[0].Should().StartWith("error: no node answered").And.Contain(servers).And.Contain(addresses[0]).And.Contain(addresses[1]);
            lines[1].Should().StartWith("hint: start the cluster first");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task When_a_node_answers_but_no_leader_does_raftctl_keeps_its_full_timeout()
    {
        await using var cluster = FakeCluster.Start(2, leaderId: null);

        var result = await CliRunner.RunAsync(["--servers", cluster.ServersFile, "--timeout", "1.5", "get", "k"]);

        result.ExitCode.Should().Be(ExitCodes.Unavailable);
        result.Err.Should().Contain("no leader/quorum within 1.5s").And.NotContain("no node answered");
    }

    [Theory]
    [InlineData("gett", "unknown command 'gett'; did you mean 'get'?")]
    [InlineData("stauts", "unknown command 'stauts'; did you mean 'status'?")]
    [InlineData("showlog", "unknown command 'showlog'; did you mean 'show-log'?")]
    public async Task A_near_miss_command_gets_a_did_you_mean_and_one_hint_line(string word, string expected)
    {
        var result = await CliRunner.RunAsync([word, "k"]);

        result.ExitCode.Should().Be(ExitCodes.Usage);
        Lines(result.Err).Should().Equal($"error: {expected}", "run 'raftctl help' for the list of commands");
    }

    [Fact]
    public async Task A_near_miss_option_gets_a_did_you_mean()
    {
        var result = await CliRunner.RunAsync(["get", "k", "--stael"]);

        result.ExitCode.Should().Be(ExitCodes.Usage);
        Lines(result.Err)[0].Should().Be("error: unknown option '--stael'; did you mean '--stale'?");
    }

    [Theory]
    [InlineData(new[] { "bench", "--clients", "x" }, "error: --clients expects a whole number, not 'x'")]
    [InlineData(new[] { "show-log", "--from", "soon" }, "error: --from expects a whole number, not 'soon'")]
    [InlineData(new[] { "--timeout", "abc", "get", "k" }, "error: --timeout expects a number, not 'abc'")]
    public async Task Type_errors_name_the_option_and_the_kind_of_value_never_a_dotnet_type(string[] args, string expected)
    {
        var result = await CliRunner.RunAsync(args);

        result.ExitCode.Should().Be(ExitCodes.Usage);
        Lines(result.Err)[0].Should().Be(expected);
        result.Err.Should().NotContain("System.");
    }

    [Fact]
    public async Task A_missing_argument_is_one_line_and_the_commands_real_usage_shape()
    {
        var result = await CliRunner.RunAsync(["delete"]);

        // KEY is optional since delete --prefix P: the command itself says what is missing.
        Lines(result.Err).Should().Equal("error: delete needs KEY or --prefix P", "usage: raftctl delete (KEY | --prefix P) [options]  (more: raftctl help delete)");
    }

    [Fact]
    public async Task Help_lists_the_commands_and_help_COMMAND_shows_one_commands_usage()
    {
        var all = await CliRunner.RunAsync(["help"]);
        all.ExitCode.Should().Be(ExitCodes.Success);
        all.Out.Should().Contain("set, put KEY (VALUE | - | --file PATH)").And.Contain("get [KEY]").And.Contain("check").And.Contain("completion").And.Contain("status");

        var one = await CliRunner.RunAsync(["help", "get"]);
        one.ExitCode.Should().Be(ExitCodes.Success);
        one.Out.Should().Contain("raftctl get [KEY] [options]").And.Contain("--raw");

        var wrong = await CliRunner.RunAsync(["help", "gte"]);
        wrong.ExitCode.Should().Be(ExitCodes.Usage);
        Lines(wrong.Err)[0].Should().Be("error: unknown command 'gte'; did you mean 'get'?");
    }

    [Fact]
    public async Task Set_dash_reads_the_value_from_standard_input()
    {
        await using var cluster = FakeCluster.Start(1);
        var big = new string('x', 200_000); // beyond what a shell argument can carry

        var result = await CliRunner.RunAsync(["--servers", cluster.ServersFile, "set", "doc", "-"], big + "\n");

        result.ExitCode.Should().Be(ExitCodes.Success, result.Err);
        cluster.Store["doc"].GetString().Should().Be(big, "the final newline of the input is not part of the value");
    }

    [Fact]
    public async Task Set_file_reads_the_value_from_a_file_as_json_when_it_parses()
    {
        await using var cluster = FakeCluster.Start(1);
        var file = Path.Combine(cluster.Directory, "value.json");
        await File.WriteAllTextAsync(file, "{\"replicas\": 3}\n");

        var result = await Run(cluster, "set", "config", "--file", file);

        result.ExitCode.Should().Be(ExitCodes.Success, result.Err);
        cluster.Store["config"].GetProperty("replicas").GetInt32().Should().Be(3);
        var both = await Run(cluster, "set", "config", "v", "--file", file);
        both.ExitCode.Should().Be(ExitCodes.Usage);
        Lines(both.Err)[0].Should().Be("error: give VALUE or --file, not both");
        var missing = await Run(cluster, "set", "config", "--file", file + ".missing");
        Lines(missing.Err)[0].Should().StartWith($"error: cannot read --file {file}.missing");
    }

    [Fact]
    public async Task Get_raw_prints_a_string_without_quotes_and_other_values_as_json()
    {
        await using var cluster = FakeCluster.Start(1);
        await Run(cluster, "set", "greeting", "Hello \"World\"");
        await Run(cluster, "set", "n", "42");

        (await Run(cluster, "get", "greeting", "--raw")).Out.Should().Be("Hello \"World\"\n");
        (await Run(cluster, "get", "greeting")).Out.Should().Be("\"Hello \\\"World\\\"\"\n");
        (await Run(cluster, "get", "n", "--raw")).Out.Should().Be("42\n");
    }

    [Fact]
    public async Task Json_output_of_writes_has_exactly_the_documented_fields()
    {
        await using var cluster = FakeCluster.Start(1);

        var set = JsonDocument.Parse((await Run(cluster, "set", "k", "1", "--json")).Out).RootElement;
        var delete = JsonDocument.Parse((await Run(cluster, "delete", "k", "--json")).Out).RootElement;
        var missing = await Run(cluster, "delete", "k", "--json");

        set.EnumerateObject().Select(p => p.Name).Should().Equal("key", "op", "ok", "index", "leaderId");
        set.GetProperty("op").GetString().Should().Be("set");
        set.GetProperty("ok").GetBoolean().Should().BeTrue();
        delete.EnumerateObject().Select(p => p.Name).Should().Equal("key", "op", "ok", "index", "leaderId");
        delete.GetProperty("op").GetString().Should().Be("delete");
        missing.ExitCode.Should().Be(ExitCodes.NotFound);
        JsonDocument.Parse(missing.Out).RootElement.GetProperty("ok").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task The_prompt_accepts_the_seeds_words_put_and_show_log()
    {
        await using var cluster = FakeCluster.Start(1);

        var result = await CliRunner.RunAsync(["--servers", cluster.ServersFile], "put a 1\nshow_log\nexit\n");

        result.Err.Should().BeEmpty();
        cluster.Store["a"].GetInt32().Should().Be(1);
        result.Out.Should().Contain("INDEX");
    }

    [Fact]
    public async Task Piped_input_prints_no_prompts_and_exits_with_the_first_failing_lines_code()
    {
        await using var cluster = FakeCluster.Start(1);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await new Cli(output, error, new StringReader("set a 1\n# a comment\nget nope\nset b 2\n"), showPrompt: false)
            .RunAsync(["--servers", cluster.ServersFile], CancellationToken.None);

        code.Should().Be(ExitCodes.NotFound, "the second command failed");
        output.ToString().Should().Be("OK\nOK\n", "no prompts, and the lines after a failure still run");
        cluster.Store.Should().ContainKey("b");
    }

    [Fact]
    public async Task Ctrl_c_at_the_prompt_cancels_the_running_write_says_its_outcome_is_unknown_and_the_prompt_goes_on()
    {
        await using var cluster = FakeCluster.Start(2, leaderId: null); // nodes answer, no leader: the write keeps retrying
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var input = new StringReader("set k v\nexit\n");
        var cli = new Cli(output, error, input, showPrompt: true);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var run = cli.RunAsync(["--servers", cluster.ServersFile, "--timeout", "25"], deadline.Token);
        while (!cli.CancelCurrentCommand()) await Task.Delay(10, deadline.Token); // what raftctl's Ctrl+C handler calls
        var code = await run.WaitAsync(TimeSpan.FromSeconds(15), deadline.Token);

        code.Should().Be(ExitCodes.Success, "the prompt went on to the next line (exit) instead of ending with the interrupted write");
        Lines(error.ToString()).Should().Equal("interrupted; the write was sent and may or may not have been applied (read the key to know)");
        output.ToString().Split(Cli.Prompt).Length.Should().Be(3, "the prompt came back after the interrupted line");
    }

    [Theory]
    [InlineData("bash", "complete -F _raftctl raftctl")]
    [InlineData("zsh", "#compdef raftctl")]
    public async Task Completion_scripts_list_every_command(string shell, string marker)
    {
        var result = await CliRunner.RunAsync(["completion", shell]);

        result.ExitCode.Should().Be(ExitCodes.Success);
        result.Out.Should().Contain(marker);
        foreach (var command in new[] { "set", "get", "delete", "show-log", "status", "bench", "check", "help" })
            result.Out.Should().Contain(command);
        result.Out.Should().Contain("--stale").And.Contain("--file");
    }

    [Fact]
    public async Task Check_runs_a_concurrent_workload_finds_the_history_linearizable_and_deletes_its_keys()
    {
        await using var cluster = FakeCluster.Start(1);

        // The fake cluster has no guarded writes or transactions: the plain mix only (a real cluster runs them all,
        // see RaftKv.Cluster.Tests CheckCommandTests).
        var result = await Run(cluster, "check", "--duration", "0.5", "--clients", "3", "--prefix", "scratch/", "--ops", "set,get,delete", "--json");

        result.ExitCode.Should().Be(ExitCodes.Success, result.Err);
        var verdict = JsonDocument.Parse(result.Out).RootElement;
        verdict.GetProperty("linearizable").GetBoolean().Should().BeTrue();
        verdict.GetProperty("operations").GetInt32().Should().BeGreaterThan(3);
        cluster.Store.Keys.Should().NotContain(k => k.StartsWith("scratch/", StringComparison.Ordinal), "check cleans up after itself");
    }

    [Theory]
    [InlineData("set,lock", "unknown operation 'lock'")]
    [InlineData(",", "needs at least one")]
    [InlineData("get,get", "named twice")]
    public async Task Check_refuses_an_unknown_operation_in_its_mix_with_a_one_line_reason(string ops, string reason)
    {
        await using var cluster = FakeCluster.Start(1);

        var result = await Run(cluster, "check", "--duration", "0.5", "--ops", ops);

        result.ExitCode.Should().Be(ExitCodes.Usage, result.Err);
        result.Err.Should().Contain(reason);
        cluster.Store.Should().BeEmpty("a bad command line changes nothing");
    }

    [Fact]
    public async Task Bench_writes_under_its_prefix_and_cleanup_deletes_what_it_wrote()
    {
        await using var cluster = FakeCluster.Start(1);
        cluster.Store["mine"] = JsonDocument.Parse("1").RootElement;

        var kept = await Run(cluster, "bench", "--total", "50", "--clients", "2", "--key-space", "20", "--key-size", "2", "--prefix", "load/");
        kept.ExitCode.Should().Be(ExitCodes.Success, kept.Err);
        cluster.Store.Keys.Where(k => k != "mine").Should().NotBeEmpty().And.OnlyContain(k => k.StartsWith("load/", StringComparison.Ordinal));

        // A second run under another prefix with --cleanup deletes every key it wrote and nothing else: the first
        // run's keys stay (which keys a run writes depends on how its clients share the operations, so the test does
        // not ask one run to clean up another's).
        var firstRun = cluster.Store.Keys.Where(k => k.StartsWith("load/", StringComparison.Ordinal)).ToList();
        var cleaned = await Run(cluster, "bench", "--total", "50", "--clients", "2", "--key-space", "20", "--key-size", "2", "--prefix", "again/", "--cleanup");
        cleaned.ExitCode.Should().Be(ExitCodes.Success, cleaned.Err);
        cleaned.Err.Should().MatchRegex(@"cleanup: deleted [1-9]\d* keys under again/");
        cluster.Store.Keys.Should().BeEquivalentTo(firstRun.Append("mine"));
    }

    [Fact]
    public async Task Status_watch_redraws_the_table_each_interval()
    {
        await using var cluster = FakeCluster.Start(2, leaderId: 1);

        var result = await Run(cluster, "status", "--watch", "--count", "3", "--interval", "0.05");

        result.ExitCode.Should().Be(ExitCodes.Success, result.Err);
        Lines(result.Out).Count(l => l.StartsWith("ID ", StringComparison.Ordinal)).Should().Be(3);
        Lines(result.Out).Count(l => l.Contains("leader", StringComparison.Ordinal)).Should().Be(3);
    }
}
