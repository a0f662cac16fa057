using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// Log compaction with real processes (Raft §7): nodes snapshot their state machine every few entries
/// and drop the log before it; a follower that was down while the leader compacted past its log is
/// brought back with InstallSnapshot, and every node survives restarts from a snapshot plus log.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SnapshotTests(ITestOutputHelper output)
{
    private static readonly LocalClusterOptions Compacting = new() { ExtraArguments = ["--snapshot-entries", "40"] };

    [Fact]
    public Task Follower_behind_a_compacted_log_catches_up_from_a_snapshot() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var follower = Enumerable.Range(0, cluster.Count).First(id => id != leader.Id);
        await using var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));
        var writes = new Dictionary<string, long>();

        await WriteAsync(client, writes, from: 0, count: 30, ct);
        await cluster.KillAsync(follower, ct);

        // Enough writes for the leader to compact its log past everything the stopped follower holds.
        await WriteAsync(client, writes, from: 30, count: 150, ct);
        await Wait.UntilAsync(async () => (await cluster.TryStatusAsync(leader.Id, ct))?.FirstIndex > 31,
            "the leader compacted its log", TimeSpan.FromSeconds(30), ct);

        cluster.Start(follower);
        await cluster.WaitForLogAsync(follower, "installed snapshot", TimeSpan.FromSeconds(30), ct);
        await NodeReads.WaitUntilCaughtUpAsync(cluster, follower, TimeSpan.FromSeconds(30), ct);
        var mine = await NodeReads.ReadAllStaleAsync(cluster, follower, ct);
        Missing(writes, mine).Should().BeEmpty("the follower restored from the snapshot must hold every acknowledged write");
        mine.Should().HaveCount(180);
    }, Compacting);

    [Fact]
    public Task Whole_cluster_restarts_from_snapshots_and_the_log_after_them() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var writes = new Dictionary<string, long>();
        await using (var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20)))
            await WriteAsync(client, writes, from: 0, count: 130, ct);

        for (var id = 0; id < cluster.Count; id++) await cluster.KillAsync(id, ct);
        for (var id = 0; id < cluster.Count; id++) cluster.Start(id);
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);

        await using var again = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));
        var all = await again.GetAllAsync(stale: false, ct);
        all.Status.Should().Be(ClientStatus.Ok);
        Missing(writes, all.Values!).Should().BeEmpty("snapshot plus log must restore every acknowledged write");
        all.Values.Should().HaveCount(130);
        var status = await cluster.TryStatusAsync(0, ct);
        status!.FirstIndex.Should().BeGreaterThan(1, "the log was compacted before the restart");
    }, Compacting);

    [Fact]
    public Task Status_shows_each_nodes_snapshot_index_and_disk_size_and_show_log_where_the_compacted_range_ends() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using (var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20)))
            await WriteAsync(client, [], from: 0, count: 60, ct);
        var compacted = await cluster.WaitForStatusAsync(leader.Id, s => s.SnapshotIndex > 0, "a snapshot on the leader", TimeSpan.FromSeconds(30), ct);
        compacted.FirstIndex.Should().Be(compacted.SnapshotIndex + 1);
        compacted.DiskBytes.Should().BeGreaterThan(0);

        var status = await Raftctl.RunAsync(cluster, ct, "--json", "status");
        status.ExitCode.Should().Be(0, status.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(status.StandardOutput);
        foreach (var node in json.RootElement.EnumerateArray())
        {
            node.GetProperty("snapshotIndex").GetInt64().Should().BeGreaterThan(0, $"node {node.GetProperty("id")} compacted too");
            node.GetProperty("diskBytes").GetInt64().Should().BeGreaterThan(0);
        }
        var table = await Raftctl.RunAsync(cluster, ct, "status");
        table.StandardOutput.Should().Contain("SNAPSHOT").And.Contain("DISK").And.Contain("KiB");

        var log = await Raftctl.RunAsync(cluster, ct, "show-log", "--node", leader.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        log.ExitCode.Should().Be(0, log.ToString());
        log.StandardOutput.Should().MatchRegex(@"entries 1\.\.\d+ are compacted into the node's snapshot; its log starts at \d+");
    }, Compacting);

    private static List<string> Missing(Dictionary<string, long> writes, IReadOnlyDictionary<string, System.Text.Json.JsonElement> values) =>
        writes.Where(w => !values.TryGetValue(w.Key, out var v) || v.GetInt64() != w.Value)
              .Select(w => $"{w.Key} = {w.Value}")
              .ToList();

    private static async Task WriteAsync(RaftKv.Client.RaftClient client, Dictionary<string, long> writes, int from, int count, CancellationToken ct)
    {
        for (var i = from; i < from + count; i++)
        {
            var key = $"snap-{i}";
            var value = Json.Number(i);
            var response = await client.SetAsync(key, value, ct);
            response.Status.Should().Be(ClientStatus.Ok);
            writes[key] = i;
        }
    }
}
