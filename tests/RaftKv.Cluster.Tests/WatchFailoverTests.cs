using System.Collections.Concurrent;
using RaftKv.Client;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Watch;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// A watch on a prefix while the leader is killed (twice) sees exactly the committed sequence of events,
/// as recomputed from the log: in revision order, none missing, none repeated.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WatchFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public Task A_prefix_watch_across_leader_kills_sees_the_committed_events_with_no_gap_and_no_duplicate() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using var writer = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));
        await using var watching = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));
        // A write first, so the watching client knows the leader and its watch runs on the node we kill.
        (await watching.SetAsync("other", Json.Number(0), ct)).Status.Should().Be(ClientStatus.Ok);

        var seen = new ConcurrentQueue<WatchEvent>();
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var retries = new ConcurrentQueue<string>();
        watching.WatchRetry += retries.Enqueue;
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in watching.WatchAsync("w/", prefix: true, fromRevision: 1, stopWatching.Token)) seen.Enqueue(e);
            }
            catch (OperationCanceledException) when (stopWatching.IsCancellationRequested)
            {
            }
        }, ct);

        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writes = Task.Run(() => WriteUntilStoppedAsync(writer, stopWriting.Token), ct);

        for (var round = 0; round < 2; round++)
        {
            var before = seen.Count;
            await Wait.UntilAsync(() => Task.FromResult(seen.Count >= before + 15), "15 more watch events", TimeSpan.FromSeconds(30), ct);
            var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
            await cluster.KillAsync(leader.Id, ct);
            await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct, except: [leader.Id]);
            cluster.Start(leader.Id);
        }
        var last = seen.Count;
        await Wait.UntilAsync(() => Task.FromResult(seen.Count >= last + 15), "15 watch events after the last kill", TimeSpan.FromSeconds(30), ct);
        await stopWriting.CancelAsync();
        await writes;

        var expected = await CommittedEvents.ReadAsync(writer, "w/", ct);
        await Wait.UntilAsync(() => Task.FromResult(seen.Count >= expected.Count), $"the watch to deliver all {expected.Count} committed events", TimeSpan.FromSeconds(30), ct);
        await stopWatching.CancelAsync();
        await watch;

        output.WriteLine($"{expected.Count} events; the watch moved: {string.Join(" | ", retries)}");
        seen.Select(e => (e.Type, e.Key, e.ModRevision, e.Version)).Should().Equal(expected, "the watch must deliver exactly the committed events, in order");
        retries.Should().NotBeEmpty("the watch was expected to move to another node at least once");
    });

    /// <summary>Sets and deletes of a few keys under w/, retrying through the failovers (the client's sessions keep retries exactly-once).</summary>
    private static async Task WriteUntilStoppedAsync(RaftClient client, CancellationToken ct)
    {
        for (var i = 0; !ct.IsCancellationRequested; i++)
        {
            try
            {
                var key = $"w/{i % 5}";
                if (i % 7 == 6) await client.DeleteAsync(key, ct);
                else await client.SetAsync(key, Json.Number(i), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (ClusterUnavailableException)
            {
                // The write may or may not have committed: the log, not the acknowledgement, is the truth here.
            }
        }
    }
}
