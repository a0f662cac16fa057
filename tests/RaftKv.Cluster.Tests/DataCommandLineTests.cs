using RaftKv.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>The data commands of the real raftctl against a real cluster: what the README shows.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DataCommandLineTests(ITestOutputHelper output)
{
    [Fact]
    public Task Revisions_ranges_guards_txn_and_leases_work_from_raftctl() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        async Task<Testing.Processes.ProcessResult> Run(params string[] args) => await Raftctl.RunAsync(cluster, ct, ["--timeout", "20", .. args]);

        (await Run("set", "app/b", "2")).ExitCode.Should().Be(0);
        (await Run("set", "app/a", "{\"x\":1}")).ExitCode.Should().Be(0);
        (await Run("set", "other", "3")).ExitCode.Should().Be(0);

        var one = Json.Parse((await Run("get", "app/a", "--json")).StandardOutput);
        one.GetProperty("version").GetInt64().Should().Be(1);
        var created = one.GetProperty("createRevision").GetInt64();
        one.GetProperty("modRevision").GetInt64().Should().Be(created);
        one.GetProperty("revision").GetInt64().Should().BeGreaterThanOrEqualTo(created);

        (await Run("get", "--prefix", "app/")).StandardOutput.Should().Be("{\"a\":{\"x\":1},\"b\":2}\n".Replace("\"a\"", "\"app/a\"").Replace("\"b\"", "\"app/b\""));
        var range = Json.Parse((await Run("get", "--prefix", "app/", "--limit", "1", "--json")).StandardOutput);
        range.GetProperty("count").GetInt64().Should().Be(2);
        range.GetProperty("more").GetBoolean().Should().BeTrue();
        range.GetProperty("kvs")[0].GetProperty("key").GetString().Should().Be("app/a");
        (await Run("get", "--prefix", "app/", "--keys-only")).StandardOutput.Should().Be("app/a\napp/b\n");
        (await Run("get", "--from", "app/b", "--count-only")).StandardOutput.Should().Be("2\n");

        var failed = await Run("set", "app/a", "9", "--if-absent", "--json");
        failed.ExitCode.Should().Be(4, failed.ToString());
        var current = Json.Parse(failed.StandardOutput);
        current.GetProperty("status").GetString().Should().Be("conditionFailed");
        current.GetProperty("value").GetProperty("x").GetInt32().Should().Be(1);
        (await Run("set", "app/a", "9", "--if-mod-revision", created.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExitCode.Should().Be(0);
        (await Run("delete", "app/a", "--if-value", "8")).ExitCode.Should().Be(4);
        (await Run("delete", "app/a", "--if-value", "9")).ExitCode.Should().Be(0);

        var txnFile = Path.Combine(cluster.RootDirectory, "txn.json");
        await File.WriteAllTextAsync(txnFile, """
            {"compare":[{"key":"app/b","target":"value","op":"=","value":2}],
             "success":[{"op":"set","key":"app/b","value":3},{"op":"get","key":"app/b"}],
             "failure":[{"op":"get","key":"app/b"}]}
            """, ct);
        var txn = await Run("txn", txnFile);
        txn.ExitCode.Should().Be(0, txn.ToString());
        txn.StandardOutput.Should().Be("succeeded\nOK\n{\"app/b\":3}\n");
        (await Run("txn", txnFile)).ExitCode.Should().Be(4, "the value is no longer 2");

        var lease = (await Run("lease", "grant", "60")).StandardOutput.Trim();
        (await Run("set", "app/l", "1", "--lease", lease)).ExitCode.Should().Be(0);
        (await Run("lease", "ttl", lease)).StandardOutput.Should().Contain("keys: app/l");
        (await Run("lease", "list")).StandardOutput.Should().StartWith(lease);
        (await Run("lease", "revoke", lease)).StandardOutput.Should().Be("OK (1 keys deleted)\n");
        (await Run("get", "app/l")).ExitCode.Should().Be(1);
        (await Run("set", "app/l", "1", "--lease", lease)).ExitCode.Should().Be(1, "the lease is gone");

        (await Run("delete", "--prefix", "app/")).StandardOutput.Should().Be("1\n");
        (await Run("get", "--prefix", "app/", "--count-only")).StandardOutput.Should().Be("0\n");
    });

    [Fact]
    public Task A_watch_from_before_the_snapshot_fails_at_once_saying_compacted_with_exit_code_5() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using (var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20)))
            for (var i = 0; i < 30; i++) (await client.SetAsync("k", Json.Number(i), ct)).Status.Should().Be(RaftKv.Protocol.ClientStatus.Ok);

        // After a restart each node's history starts after its snapshot (taken every 10 entries here), once that
        // snapshot is stored: a snapshot still being written when the node is killed is not there after the restart.
        for (var id = 0; id < cluster.Count; id++)
            await cluster.WaitForStatusAsync(id, s => s.SnapshotIndex >= 10, $"node {id} stored a snapshot", TimeSpan.FromSeconds(30), ct);
        for (var id = 0; id < cluster.Count; id++) await cluster.RestartAsync(id, ct);
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);

        var result = await Raftctl.RunAsync(cluster, ct, "--timeout", "20", "watch", "k", "--from-revision", "1");

        result.ExitCode.Should().Be(5, result.ToString());
        result.StandardError.Should().MatchRegex("compacted; earliest available revision is [0-9]+");
    }, new Testing.Processes.LocalClusterOptions { ExtraArguments = ["--snapshot-entries", "10"] });
}
