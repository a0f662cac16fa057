using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>kill -9 of every node in the middle of concurrent writes: what was acknowledged was durable.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CrashDuringWritesTests(ITestOutputHelper output)
{
    private const int Writers = 4;

    [Fact]
    public Task Killing_every_node_mid_stream_loses_no_acknowledged_write() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var writes = new AckedWrites();
        var clients = Enumerable.Range(0, Writers).Select(_ => cluster.CreateClient(timeout: TimeSpan.FromSeconds(3))).ToArray();
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var writers = clients.Select((c, i) => Task.Run(() => writes.WriteUntilStoppedAsync(c, $"w{i}", keys: 5, stop.Token), ct)).ToArray();
            await Wait.UntilAsync(() => Task.FromResult(writes.AckCount >= 60), "60 acknowledged writes", TimeSpan.FromSeconds(30), ct);

            foreach (var id in Enumerable.Range(0, cluster.Count)) cluster.Node(id).Kill();
            foreach (var id in Enumerable.Range(0, cluster.Count)) await cluster.Node(id).WaitForExitAsync(TimeSpan.FromSeconds(30), ct);
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            output.WriteLine($"{writes.AckCount} writes acknowledged before the crash");
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }

        await cluster.StartAllAsync(ct);
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using var reader = cluster.CreateClient();
        var all = await reader.GetAllAsync(stale: false, ct);
        all.Status.Should().Be(ClientStatus.Ok);
        writes.Acked.Should().NotBeEmpty();
        writes.Check(all.Values!).Should().BeEmpty("every acknowledged write must survive kill -9 of the whole cluster");
        (await reader.SetAsync("after", Json.Number(1), ct)).Status.Should().Be(ClientStatus.Ok);
    });
}
