using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>The README's three-terminal walk-through, with the real raftctl program against three real nodes.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WalkThroughTests(ITestOutputHelper output)
{
    /// <summary>raftctl set KEY VALUE arguments, and the JSON each must be stored as.</summary>
    private static readonly (string Key, string Argument, string Expected)[] Values =
    [
        ("number", "42", "42"),
        ("decimal", "1.50", "1.50"),
        ("string", "\"quoted\"", "\"quoted\""),
        ("greeting", "Hello World", "\"Hello World\""),
        ("object", "{\"host\":\"localhost\",\"port\":7000}", "{\"host\":\"localhost\",\"port\":7000}"),
        ("array", "[1,\"two\",null,false]", "[1,\"two\",null,false]"),
        ("yes", "true", "true"),
        ("no", "false", "false"),
        ("nothing", "null", "null"),
        ("nested", "{\"a\":{\"b\":[1,{\"c\":null}],\"d\":[[],{}]},\"e\":\"é ü 😀\"}", "{\"a\":{\"b\":[1,{\"c\":null}],\"d\":[[],{}]},\"e\":\"é ü 😀\"}"),
    ];

    [Fact]
    public Task Raftctl_sets_every_json_type_and_every_node_reads_it_back() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);

        foreach (var (key, argument, _) in Values)
        {
            var set = await Raftctl.RunAsync(cluster, ct, "set", key, argument);
            set.ExitCode.Should().Be(0, $"set {key} {argument}: {set}");
            set.StandardOutput.Trim().Should().Be("OK");
        }

        // The leader path: raftctl get, one key and all keys.
        var greeting = await Raftctl.RunAsync(cluster, ct, "get", "greeting");
        greeting.ExitCode.Should().Be(0, greeting.ToString());
        greeting.StandardOutput.Trim().Should().Be("\"Hello World\"");
        var nested = await Raftctl.RunAsync(cluster, ct, "get", "nested");
        nested.ExitCode.Should().Be(0, nested.ToString());
        ShouldBeJson(Json.Parse(nested.StandardOutput), Values[^1].Expected, "raftctl get nested");

        var all = await Raftctl.RunAsync(cluster, ct, "get");
        all.ExitCode.Should().Be(0, all.ToString());
        var allValues = Json.Parse(all.StandardOutput);
        foreach (var (key, _, expected) in Values)
            ShouldBeJson(allValues.GetProperty(key), expected, $"raftctl get (all), key {key}");

        // Every node, each answering from its own state machine once it has applied everything.
        for (var id = 0; id < cluster.Count; id++)
        {
            await NodeReads.WaitUntilCaughtUpAsync(cluster, id, TimeSpan.FromSeconds(20), ct);
            var values = await NodeReads.ReadAllStaleAsync(cluster, id, ct);
            foreach (var (key, _, expected) in Values)
            {
                values.Should().ContainKey(key, $"node {id} should have applied {key}");
                ShouldBeJson(values[key], expected, $"node {id}, key {key}");
            }
        }

        // show-log: the leader's log holds a set command for every key, in order, each after the register
        // of its own session (every raftctl run is a new client: it registers, then writes with seq 1).
        var log = await Raftctl.RunAsync(cluster, ct, "show-log", "--json");
        log.ExitCode.Should().Be(0, log.ToString());
        var entries = Json.Parse(log.StandardOutput).EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "command")
            .Select(e => (Index: e.GetProperty("index").GetInt64(), Command: e.GetProperty("command")))
            .ToList();
        var registers = entries.Where(e => e.Command.GetProperty("op").GetString() == "register").Select(e => e.Index).ToList();
        var commands = entries.Where(e => e.Command.GetProperty("op").GetString() != "register").ToList();
        commands.Should().HaveCount(Values.Length);
        registers.Should().HaveCount(Values.Length);
        for (var i = 0; i < Values.Length; i++)
        {
            commands[i].Command.GetProperty("key").GetString().Should().Be(Values[i].Key);
            commands[i].Command.GetProperty("session").GetInt64().Should().Be(registers[i], "each write uses the session its run registered");
            commands[i].Command.GetProperty("seq").GetInt64().Should().Be(1);
        }
        var table = await Raftctl.RunAsync(cluster, ct, "show-log");
        table.ExitCode.Should().Be(0, table.ToString());
        table.StandardOutput.Should().Contain("INDEX").And.Contain("greeting");

        // delete, then the key is gone (exit code 1), and deleting it again is also "not found".
        var delete = await Raftctl.RunAsync(cluster, ct, "delete", "greeting");
        delete.ExitCode.Should().Be(0, delete.ToString());
        var missing = await Raftctl.RunAsync(cluster, ct, "get", "greeting");
        missing.ExitCode.Should().Be(1, missing.ToString());
        missing.StandardError.Should().Contain("not found");
        var deleteAgain = await Raftctl.RunAsync(cluster, ct, "delete", "greeting");
        deleteAgain.ExitCode.Should().Be(1, deleteAgain.ToString());
    });

    [Fact]
    public async Task Raftctl_usage_errors_exit_2_and_send_nothing()
    {
        // A listener standing in for a node: raftctl must never connect to it.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var dir = Directory.CreateTempSubdirectory("raftkv-usage-");
        try
        {
            var servers = Path.Combine(dir.FullName, "servers.txt");
            await File.WriteAllTextAsync(servers, $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}\n");
            using var deadline = new CancellationTokenSource(ClusterRun.DefaultDeadline);
            string[][] misuses =
            [
                ["frobnicate", "k"],
                ["set", "only-a-key"],
                ["set", "", "v"],
                ["get", "k", "--timeout", "soon"],
                ["show-log", "--limit", "0"],
            ];
            foreach (var args in misuses)
            {
                var result = await Raftctl.RunAsync(servers, deadline.Token, args);
                result.ExitCode.Should().Be(2, $"raftctl {string.Join(' ', args)}: {result}");
                result.StandardError.Should().NotBeNullOrWhiteSpace($"raftctl {string.Join(' ', args)} should say what is wrong");
            }
            listener.Pending().Should().BeFalse("a usage error must not send anything");
        }
        finally
        {
            listener.Stop();
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public Task Raftctl_exits_3_when_the_cluster_has_no_quorum() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var first = await Raftctl.RunAsync(cluster, ct, "set", "before", "1");
        first.ExitCode.Should().Be(0, first.ToString());

        // Two nodes stopped (SIGSTOP): their sockets still accept, but nothing commits. A new raftctl run must
        // first register its session, which cannot commit either, so its write is never sent: certainly not
        // applied. (A write whose own attempt goes unanswered is "outcome unknown": RaftClientTests and CliTests.)
        var stopped = Enumerable.Range(0, cluster.Count).Where(i => i != leader.Id).ToArray();
        foreach (var id in stopped) cluster.Pause(id);
        var paused = await Raftctl.RunAsync(cluster, ct, "--timeout", "2", "set", "k", "v");
        paused.ExitCode.Should().Be(3, paused.ToString());
        paused.StandardError.Should().Contain("no session could be registered, so the write was not applied");

        // Two nodes killed: nothing can commit either.
        foreach (var id in stopped) await cluster.KillAsync(id, ct);
        var killed = await Raftctl.RunAsync(cluster, ct, "--timeout", "2", "set", "k", "v");
        killed.ExitCode.Should().Be(3, killed.ToString());
        killed.StandardError.Should().Contain("no leader/quorum");

        // Back to a majority: the cluster serves again, and nothing acknowledged was lost.
        foreach (var id in stopped) cluster.Start(id);
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var after = await Raftctl.RunAsync(cluster, ct, "get", "before");
        after.ExitCode.Should().Be(0, after.ToString());
        after.StandardOutput.Trim().Should().Be("1");
    });

    private static void ShouldBeJson(JsonElement actual, string expected, string what) =>
        JsonElement.DeepEquals(actual, Json.Parse(expected)).Should().BeTrue($"{what}: expected {expected}, got {actual.GetRawText()}");
}
