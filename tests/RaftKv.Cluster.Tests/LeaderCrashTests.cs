using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>kill -9 of the leader: the cluster elects another, loses nothing acknowledged, and the old leader catches up on restart.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LeaderCrashTests(ITestOutputHelper output)
{
    [Fact]
    public Task Killing_the_leader_elects_a_new_one_that_keeps_every_acknowledged_write() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var old = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));
        var writes = new AckedWrites();
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = writes.WriteUntilStoppedAsync(client, "k", keys: 7, stopWriting.Token);

        await Wait.UntilAsync(() => Task.FromResult(writes.AckCount >= 20), "20 acknowledged writes", TimeSpan.FromSeconds(30), ct);
        await cluster.KillAsync(old.Id, ct);
        var killedAt = writes.AckCount;

        var next = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct, except: [old.Id]);
        next.Id.Should().NotBe(old.Id);
        next.Term.Should().BeGreaterThan(old.Term);
        await Wait.UntilAsync(() => Task.FromResult(writes.AckCount >= killedAt + 20), "20 more writes after the kill", TimeSpan.FromSeconds(30), ct);
        await stopWriting.CancelAsync();
        await writer;

        var all = await client.GetAllAsync(stale: false, ct);
        all.Status.Should().Be(ClientStatus.Ok);
        writes.Check(all.Values!).Should().BeEmpty("every acknowledged write must survive the leader's crash");

        // The old leader comes back as a follower and applies everything it missed.
        cluster.Start(old.Id);
        var caughtUp = await NodeReads.WaitUntilCaughtUpAsync(cluster, old.Id, TimeSpan.FromSeconds(30), ct);
        caughtUp.Role.Should().Be("follower");
        var mine = await NodeReads.ReadAllStaleAsync(cluster, old.Id, ct);
        writes.Check(mine).Should().BeEmpty("the restarted node must hold every acknowledged write");
        Texts(mine).Should().Equal(Texts(all.Values!), "once caught up, the restarted node's state machine equals the leader's");
    });

    private static Dictionary<string, string> Texts(IReadOnlyDictionary<string, System.Text.Json.JsonElement> values) =>
        values.ToDictionary(kv => kv.Key, kv => kv.Value.GetRawText());
}
