using System.Text.Json;
using RaftKv.Client.Tests.Fakes;
using RaftKv.Ctl;
using RaftKv.Protocol;

namespace RaftKv.Client.Tests;

public sealed class CliTests
{
    private static Task<CliResult> Run(FakeCluster cluster, params string[] args) =>
        CliRunner.RunAsync(["--servers", cluster.ServersFile, "--timeout", "3", .. args]);

    private static JsonElement ParseJson(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Theory]
    [InlineData("42", JsonValueKind.Number, "42")]
    [InlineData("{\"host\":\"localhost\"}", JsonValueKind.Object, "{\"host\":\"localhost\"}")]
    [InlineData("Hello World", JsonValueKind.String, "\"Hello World\"")]
    [InlineData("-5", JsonValueKind.Number, "-5")]
    public async Task Set_stores_VALUE_as_json_when_it_parses_and_as_a_string_otherwise(string value, JsonValueKind kind, string raw)
    {
        await using var cluster = FakeCluster.Start(1);

        var result = await Run(cluster, "set", "k", value);

        result.ExitCode.Should().Be(ExitCodes.Success, result.Err);
        result.Out.Should().Be("OK\n");
        cluster.Store["k"].ValueKind.Should().Be(kind);
        cluster.Store["k"].GetRawText().Should().Be(raw);
    }

    [Fact]
    public async Task Get_prints_the_value_as_json()
    {
        await using var cluster = FakeCluster.Start(3, leaderId: 1);
        cluster.Store["message"] = ParseJson("\"Hello World\"");

        var result = await Run(cluster, "get", "message");

        result.ExitCode.Should().Be(ExitCodes.Success, result.Err);
        result.Out.Should().Be("\"Hello World\"\n");
    }

    [Fact]
    public async Task Get_of_a_missing_key_says_so_on_stderr_and_exits_1()
    {
        await using var cluster = FakeCluster.Start(1);

        var result = await Run(cluster, "get", "nope");

        result.ExitCode.Should().Be(ExitCodes.NotFound);
        result.Out.Should().BeEmpty();
        result.Err.Should().Contain("key not found: nope");
    }

    [Fact]
    public async Task Delete_of_a_missing_key_exits_1_and_of_a_present_key_0()
    {
        await using var cluster = FakeCluster.Start(1);
        cluster.Store["k"] = ParseJson("1");

        var present = await Run(cluster, "delete", "k");
        var missing = await Run(cluster, "delete", "k");

        present.ExitCode.Should().Be(ExitCodes.Success);
        present.Out.Should().Be("OK\n");
        missing.ExitCode.Should().Be(ExitCodes.NotFound);
        missing.Err.Should().Contain("key not found: k");
    }

    [Fact]
    public async Task Get_json_has_key_found_and_value()
    {
        await using var cluster = FakeCluster.Start(1);
        cluster.Store["config"] = ParseJson("{\"host\":\"localhost\"}");

        var found = await Run(cluster, "get", "config", "--json");
        var missing = await Run(cluster, "--json", "get", "nope");

        found.ExitCode.Should().Be(ExitCodes.Success);
        found.Out.Should().Be("{\"key\":\"config\",\"found\":true,\"value\":{\"host\":\"localhost\"}}\n");
        missing.ExitCode.Should().Be(ExitCodes.NotFound);
        missing.Out.Should().Be("{\"key\":\"nope\",\"found\":false,\"value\":null}\n");
    }

    [Fact]
    public async Task Get_without_a_key_prints_every_key_as_one_json_object()
    {
        await using var cluster = FakeCluster.Start(1);
        cluster.Store["b"] = ParseJson("[1,2]");
        cluster.Store["a"] = ParseJson("\"x\"");

        var text = await Run(cluster, "get");
        var json = await Run(cluster, "get", "--json", "--stale");

        text.Out.Should().Be("{\"a\":\"x\",\"b\":[1,2]}\n");
        json.Out.Should().Be(text.Out);
        cluster.Nodes[0].Received.Last().Stale.Should().BeTrue();
    }

    [Fact]
    public async Task Set_json_prints_the_response()
    {
        await using var cluster = FakeCluster.Start(1);

        var result = await Run(cluster, "set", "n", "7", "--json");

        var response = ParseJson(result.Out);
        response.GetProperty("index").GetInt64().Should().Be(3, "index 1 is the leader's no-op and 2 the session's register");
        response.GetProperty("leaderId").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task Status_json_is_one_object_per_node_with_exactly_the_documented_fields()
    {
        await using var cluster = FakeCluster.Start(2, leaderId: 1);
        var servers = Path.Combine(cluster.Directory, "with-dead-node.txt");
        var dead = RaftClientTests.UnusedAddress();
        await File.WriteAllTextAsync(servers, $"{cluster.Nodes[0].Address}\n{cluster.Nodes[1].Address}\n{dead}\n");

        var result = await CliRunner.RunAsync(["status", "--json", "--servers", servers]);

        result.ExitCode.Should().Be(ExitCodes.Success, result.Err);
        var rows = ParseJson(result.Out).EnumerateArray().ToList();
        rows.Should().HaveCount(3);
        rows.Should().OnlyContain(r => r.EnumerateObject().Select(p => p.Name).SequenceEqual(
            new[] { "id", "address", "reachable", "role", "term", "lastIndex", "commitIndex", "appliedIndex", "leaderId", "snapshotIndex", "diskBytes" }));
        rows[0].GetProperty("role").GetString().Should().Be("follower");
        rows[1].GetProperty("role").GetString().Should().Be("leader");
        rows[1].GetProperty("leaderId").GetInt32().Should().Be(1);
        rows[2].GetProperty("reachable").GetBoolean().Should().BeFalse();
        rows[2].GetProperty("address").GetString().Should().Be(dead);
        rows[2].GetProperty("role").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Status_table_has_a_row_per_node()
    {
        await using var cluster = FakeCluster.Start(3, leaderId: 2);

        var result = await Run(cluster, "status");

        var lines = result.Out.TrimEnd('\n').Split('\n');
        lines.Should().HaveCount(4);
        lines[0].Should().StartWith("ID").And.Contain("REACHABLE").And.Contain("LEADER");
        lines[3].Should().Contain("leader").And.Contain(cluster.Nodes[2].Address);
    }

    [Fact]
    public async Task Show_log_prints_index_term_type_and_command()
    {
        await using var cluster = FakeCluster.Start(1);
        await Run(cluster, "set", "a", "1");

        var table = await Run(cluster, "show-log");
        var json = await Run(cluster, "show-log", "--from", "2", "--json");

        table.ExitCode.Should().Be(ExitCodes.Success, table.Err);
        var lines = table.Out.TrimEnd('\n').Split('\n');
        lines[0].Should().MatchRegex("^INDEX +TERM +TYPE +COMMAND$");
        lines[1].Should().MatchRegex("^1 +3 +noop +-$");
        lines[2].Should().MatchRegex("^2 +3 +command +\\{\"op\":\"set\",\"key\":\"a\"");
        var entries = ParseJson(json.Out).EnumerateArray().ToList();
        entries.Should().ContainSingle().Which.GetProperty("index").GetInt64().Should().Be(2);
    }

    [Theory]
    [InlineData("set", "", "1")]
    [InlineData("get", "")]
    [InlineData("delete", "")]
    [InlineData("frobnicate")]
    [InlineData("set", "onlykey")]
    [InlineData("set", "k", "v", "extra")]
    [InlineData("show-log", "--limit", "0")]
    [InlineData("show-log", "--node", "9")]
    [InlineData("show-log", "--from", "-1")]
    [InlineData("--timeout", "0", "get", "k")]
    [InlineData("--timeout", "soon", "get", "k")]
    public async Task Bad_usage_exits_2_with_a_message_and_usage_and_sends_nothing(params string[] args)
    {
        await using var cluster = FakeCluster.Start(1);

        var result = await CliRunner.RunAsync(["--servers", cluster.ServersFile, .. args]);

        result.ExitCode.Should().Be(ExitCodes.Usage);
        var lines = result.Err.TrimEnd('\n').Split('\n');
        lines.Should().HaveCount(2, "one line saying what is wrong and one hint, never the whole help: " + result.Err);
        lines[0].Should().StartWith("error: ").And.NotContain("System.");
        lines[1].Should().Match(l => l.StartsWith("usage: raftctl ", StringComparison.Ordinal) || l == "run 'raftctl help' for the list of commands");
        result.Out.Should().BeEmpty();
        cluster.AllReceived.Should().BeEmpty();
        cluster.TotalConnections.Should().Be(0);
    }

    [Fact]
    public async Task Value_over_1_MiB_exits_2_and_sends_nothing()
    {
        await using var cluster = FakeCluster.Start(1);

        var result = await Run(cluster, "set", "big", new string('x', ClientLimits.MaxValueBytes));

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Err.Should().Contain("over the limit of 1048576 (1 MiB)");
        cluster.TotalConnections.Should().Be(0);
    }

    [Fact]
    public async Task Bad_servers_file_exits_2_naming_the_line_and_sends_nothing()
    {
        await using var cluster = FakeCluster.Start(1);
        var servers = Path.Combine(cluster.Directory, "bad.txt");
        await File.WriteAllTextAsync(servers, $"# ok so far\n{cluster.Nodes[0].Address}\nnot-an-address\n");

        var result = await CliRunner.RunAsync(["--servers", servers, "set", "k", "v"]);

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Err.Should().Contain($"{servers}:3:");
        cluster.TotalConnections.Should().Be(0);
    }

    [Fact]
    public async Task Missing_servers_file_exits_2()
    {
        var result = await CliRunner.RunAsync(["--servers", Path.Combine(Path.GetTempPath(), $"none-{Guid.NewGuid():N}.txt"), "get", "k"]);

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Err.Should().Contain("cannot read the servers file");
    }

    [Fact]
    public async Task Write_without_a_leader_exits_3_saying_the_write_may_have_been_applied()
    {
        await using var cluster = FakeCluster.Start(2, leaderId: 0);
        foreach (var node in cluster.Nodes) node.WritesUnavailable = true; // the session registers; the write gets no quorum

        var result = await CliRunner.RunAsync(["--servers", cluster.ServersFile, "--timeout", "1", "set", "k", "v"]);

        result.ExitCode.Should().Be(ExitCodes.Unavailable);
        result.Err.Should().Contain("no leader/quorum within 1s").And.Contain("the write may or may not have been applied");
    }

    [Fact]
    public async Task Write_that_cannot_even_register_a_session_exits_3_saying_it_was_not_applied()
    {
        await using var cluster = FakeCluster.Start(2, leaderId: 0);
        foreach (var node in cluster.Nodes) node.Unavailable = true;

        var result = await CliRunner.RunAsync(["--servers", cluster.ServersFile, "--timeout", "1", "set", "k", "v"]);

        result.ExitCode.Should().Be(ExitCodes.Unavailable);
        result.Err.Should().Contain("no leader/quorum within 1s").And.Contain("the write was not applied");
    }

    [Fact]
    public async Task Read_without_a_leader_exits_3()
    {
        await using var cluster = FakeCluster.Start(2, leaderId: null);

        var result = await CliRunner.RunAsync(["--servers", cluster.ServersFile, "--timeout", "0.3", "get", "k"]);

        result.ExitCode.Should().Be(ExitCodes.Unavailable);
        result.Err.Should().Contain("no leader/quorum within 0.3s");
    }

    [Fact]
    public async Task Interactive_prompt_runs_scripted_commands_reports_errors_and_stops_at_exit()
    {
        await using var cluster = FakeCluster.Start(3, leaderId: 1);
        const string script = """
            set count 42
            set config '{"host":"localhost"}'
            set message "Hello World"
            get count

            frobnicate
            get nope
            set '' x
            get config --json
            get 'unterminated
            help
            exit
            set after exit
            """;

        var result = await CliRunner.RunAsync(["--servers", cluster.ServersFile], script);

        result.ExitCode.Should().Be(ExitCodes.Success);
        result.Out.Should().StartWith(Cli.Prompt + "OK\n" + Cli.Prompt + "OK\n" + Cli.Prompt + "OK\n" + Cli.Prompt + "42\n");
        result.Out.Should().Contain("{\"key\":\"config\",\"found\":true,\"value\":{\"host\":\"localhost\"}}\n");
        result.Out.Should().Contain("Commands:");
        result.Err.Should().Contain("unknown command 'frobnicate'")
            .And.Contain("key not found: nope")
            .And.Contain("KEY must not be empty")
            .And.Contain("unterminated single quote");
        cluster.Store["message"].GetString().Should().Be("Hello World");
        cluster.Store.Should().NotContainKey("after");
        cluster.Nodes[1].ConnectionCount.Should().Be(1, "the session keeps its connection to the leader");
    }

    [Fact]
    public async Task Interactive_prompt_ends_cleanly_at_end_of_input()
    {
        await using var cluster = FakeCluster.Start(1);

        var result = await CliRunner.RunAsync(["--servers", cluster.ServersFile], "set a 1\n");

        result.ExitCode.Should().Be(ExitCodes.Success);
        result.Out.Should().Be(Cli.Prompt + "OK\n" + Cli.Prompt + "\n");
        cluster.Nodes[0].Received.Should().ContainSingle(r => r.Op == ClientOp.Set);
    }
}
