using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>Ctrl+C (SIGINT) of a leader hands leadership over first; a graceful stop of every node loses nothing.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GracefulShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public Task Interrupting_the_leader_hands_leadership_over_so_the_next_write_needs_no_election_timeout() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var old = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using var client = cluster.CreateClient();
        (await client.SetAsync("before", Json.Number(1), ct)).Status.Should().Be(ClientStatus.Ok);
        client.KnownLeader.Should().Be(old.Id, "the client is connected to the leader before it is interrupted");
        var mark = cluster.Node(old.Id).Output.LineCount;

        cluster.Node(old.Id).Interrupt();
        // The write goes out as soon as the leader has started its handover, over the connection the
        // client already has to it: it must be redirected to the successor and succeed there.
        await cluster.WaitForLogAsync(old.Id, "handing leadership to node", TimeSpan.FromSeconds(15), ct, fromLine: mark);
        var write = client.SetAsync("after", Json.Number(2), ct);
        var exitCode = await cluster.Node(old.Id).WaitForExitAsync(cluster.Options.StopTimeout, ct);
        var response = await write;

        exitCode.Should().Be(0, "a node stopped with Ctrl+C exits cleanly");
        response.Status.Should().Be(ClientStatus.Ok, response.Error);
        var said = cluster.Node(old.Id).Output.LinesSince(mark);
        said.Should().Contain(l => l.Contains("handing leadership to node", StringComparison.Ordinal), "the leader hands over before it stops");
        said.Should().NotContain(l => l.Contains("did not finish in time", StringComparison.Ordinal));

        // Handed over, not lost: the successor won the very next term with TimeoutNow (no election timeout
        // and no pre-vote round had to pass, or someone would have campaigned for a later term).
        var next = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct, except: [old.Id]);
        next.Term.Should().Be(old.Term + 1);
        said.Should().Contain(l => l.Contains($"handing leadership to node {next.Id}", StringComparison.Ordinal));
        response.LeaderId.Should().Be(next.Id);
        var read = await client.GetAsync("after", stale: false, ct);
        read.Value!.Value.GetInt64().Should().Be(2);
    });

    [Fact]
    public Task Interrupting_every_node_and_restarting_them_keeps_all_data() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var expected = new Dictionary<string, string>();
        await using (var client = cluster.CreateClient())
        {
            for (var i = 0; i < 30; i++)
            {
                var value = $"{{\"n\":{i},\"text\":\"value {i}\"}}";
                (await client.SetAsync($"key-{i}", Json.Parse(value), ct)).Status.Should().Be(ClientStatus.Ok);
                expected[$"key-{i}"] = value;
            }
            (await client.DeleteAsync("key-7", ct)).Status.Should().Be(ClientStatus.Ok);
            expected.Remove("key-7");
        }

        // All at once, as when a machine shuts down.
        foreach (var id in Enumerable.Range(0, cluster.Count)) cluster.Node(id).Interrupt();
        foreach (var id in Enumerable.Range(0, cluster.Count))
            (await cluster.Node(id).WaitForExitAsync(cluster.Options.StopTimeout, ct)).Should().Be(0, $"node {id} stops cleanly on SIGINT");

        await cluster.StartAllAsync(ct);
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using var after = cluster.CreateClient();
        var all = await after.GetAllAsync(stale: false, ct);
        all.Status.Should().Be(ClientStatus.Ok);
        all.Values!.ToDictionary(kv => kv.Key, kv => kv.Value.GetRawText()).Should().Equal(expected);

        for (var id = 0; id < cluster.Count; id++)
        {
            await NodeReads.WaitUntilCaughtUpAsync(cluster, id, TimeSpan.FromSeconds(20), ct);
            (await NodeReads.ReadAllStaleAsync(cluster, id, ct)).ToDictionary(kv => kv.Key, kv => kv.Value.GetRawText())
                .Should().Equal(expected, $"node {id} after the restart");
        }
        (await after.SetAsync("new", Json.Number(1), ct)).Status.Should().Be(ClientStatus.Ok, "the restarted cluster takes writes");
    });
}
