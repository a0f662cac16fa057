using System.Collections.Concurrent;
using RaftKv.Client;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
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

        var expected = await CommittedEventsAsync(writer, "w/", ct);
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

    /// <summary>Recomputes the events of the keys under <paramref name="prefix"/> from the leader's log (sessions applied, as the nodes do).</summary>
    private static async Task<List<(string Type, string Key, long ModRevision, long Version)>> CommittedEventsAsync(RaftClient client, string prefix, CancellationToken ct)
    {
        var status = await client.LogAsync(null, 1, 1, ct);
        status.Status.Should().Be(ClientStatus.Ok);
        var entries = new List<LogEntryView>();
        for (long from = 1; ;)
        {
            var page = await client.LogAsync(null, from, 5000, ct);
            var got = page.Entries ?? [];
            if (got.Length == 0) break;
            entries.AddRange(got);
            from = got[^1].Index + 1;
        }
        entries[0].Index.Should().Be(1, "the log must not have been compacted for this comparison");

        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        // Session id (the index of its register) to its last applied seq. The test registers a handful of
        // sessions, far below the table's bound, so none expires and the session rules reduce to these.
        var lastSeq = new Dictionary<long, long>();
        var events = new List<(string, string, long, long)>();
        foreach (var entry in entries)
        {
            if (entry.Command is not { } command) continue;
            var op = command.GetProperty("op").GetString();
            if (op == "register")
            {
                lastSeq[entry.Index] = 0;
                continue;
            }
            if (command.TryGetProperty("session", out var sessionProperty))
            {
                var session = sessionProperty.GetInt64();
                var seq = command.GetProperty("seq").GetInt64();
                if (!lastSeq.TryGetValue(session, out var previous) || seq <= previous) continue;
                lastSeq[session] = seq;
            }
            if (op is not ("set" or "delete")) continue;
            var key = command.GetProperty("key").GetString()!;
            if (op == "set")
            {
                var version = versions.GetValueOrDefault(key) + 1;
                versions[key] = version;
                if (key.StartsWith(prefix, StringComparison.Ordinal)) events.Add(("put", key, entry.Index, version));
            }
            else if (op == "delete" && versions.Remove(key) && key.StartsWith(prefix, StringComparison.Ordinal))
            {
                events.Add(("delete", key, entry.Index, 0));
            }
        }
        return events;
    }
}
