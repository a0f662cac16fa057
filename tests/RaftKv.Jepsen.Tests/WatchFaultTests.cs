using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Protocol;
using RaftKv.Testing.Faults;
using RaftKv.Testing.Processes;
using RaftKv.Testing.Watch;
using Xunit.Abstractions;

namespace RaftKv.Jepsen.Tests;

/// <summary>
/// A watch on a prefix through kill -9 of the leader and partitions (proxies between peers), at times both at
/// once, sees exactly the committed sequence of events as recomputed from the log: in revision order, none
/// missing, none repeated, resuming from the last revision it saw whenever its node dies or falls behind.
/// </summary>
public sealed class WatchFaultTests(ITestOutputHelper output)
{
    // Generous: in two CI runs every node of this test fell silent for 17-37 s right after a leader was cut off (no
    // log line from any of them, then a burst), and 45 s was not enough for the next election after that.
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    private readonly ConcurrentQueue<string> _timeline = new();
    private ProxyMesh? _mesh;

    [Fact]
    public async Task A_prefix_watch_through_leader_kills_and_partitions_sees_exactly_the_committed_events()
    {
        try
        {
            await WatchThroughFaultsAsync();
        }
        catch (TimeoutException e)
        {
            // The steps taken so far, with their times, lead the message: CI shows the start of a failure's message.
            throw new TimeoutException($"{e.Message.Split('\n')[0]} after these steps:\n{string.Join('\n', _timeline)}\nlinks: {_mesh?.Describe()}\n{e.Message}", e);
        }
    }

    private async Task WatchThroughFaultsAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        // Five nodes, so that a leader can be killed while another node is cut off and a quorum remains.
        await using var cluster = LocalCluster.Create(new LocalClusterOptions { NodeCount = 5 });
        await using var mesh = ProxyMesh.Start(cluster.Addresses);
        _mesh = mesh;
        for (var node = 0; node < cluster.Count; node++) cluster.SetServers(node, mesh.ServersFor(node));
        await cluster.StartAllAsync(ct);
        var leader = await cluster.WaitForLeaderAsync(Settle, ct);
        Log($"leader {leader.Id} in term {leader.Term}");

        await using var writer = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));
        await using var watching = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));
        // A write first, so the watching client knows the leader and its watch starts on the node killed first.
        (await watching.SetAsync("other", JsonSerializer.SerializeToElement(0), ct)).Status.Should().Be(ClientStatus.Ok);

        var seen = new ConcurrentQueue<WatchEvent>();
        var moves = new ConcurrentQueue<string>();
        watching.WatchRetry += moves.Enqueue;
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in watching.WatchAsync("w/", prefix: true, fromRevision: 1, stopWatching.Token)) seen.Enqueue(e);
            }
            catch (OperationCanceledException) when (stopWatching.IsCancellationRequested)
            {
            }
        }, CancellationToken.None);

        var acknowledged = new StrongBox<long>();
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writes = Task.Run(() => WriteUntilStoppedAsync(writer, acknowledged, stopWriting.Token), CancellationToken.None);
        async Task MoreWritesAsync(string when)
        {
            var before = Interlocked.Read(ref acknowledged.Value);
            await WaitUntilAsync(() => Interlocked.Read(ref acknowledged.Value) >= before + 15, $"15 more acknowledged writes {when}", ct);
        }

        try
        {
            await WaitUntilAsync(() => !seen.IsEmpty, "the first watch event", ct);
            await MoreWritesAsync("before the first kill");

            // 1. kill -9 of the leader, which serves the watch.
            Log($"kill -9 leader {leader.Id}");
            await cluster.KillAsync(leader.Id, ct);
            var second = await cluster.WaitForLeaderAsync(Settle, ct, except: [leader.Id]);
            Log($"leader {second.Id} in term {second.Term}; restarting node {leader.Id}");
            cluster.Start(leader.Id);
            await MoreWritesAsync("after the first kill");

            // 2. The leader cut off from every peer (a watch on it falls behind and must not skip when it heals),
            //    then, while it is still cut off, kill -9 of the leader the others elected.
            Log($"isolate leader {second.Id} (blackhole)");
            mesh.Isolate(second.Id, CutStyle.Blackhole);
            var third = await cluster.WaitForLeaderAsync(Settle, ct, except: [second.Id]);
            Log($"leader {third.Id} in term {third.Term}");
            await MoreWritesAsync("with the old leader cut off");
            Log($"kill -9 leader {third.Id} while node {second.Id} is cut off");
            await cluster.KillAsync(third.Id, ct);
            // Three of five nodes remain connected: a quorum, which the acknowledged writes prove.
            await MoreWritesAsync("with one node cut off and one killed");

            // 3. Heal, restart, and a majority/minority split with the leader in the minority (refused links).
            Log($"heal every link, restart node {third.Id}");
            mesh.HealAll();
            cluster.Start(third.Id);
            var fourth = await cluster.WaitForLeaderAsync(Settle, ct);
            Log($"leader {fourth.Id} in term {fourth.Term}");
            var minority = new[] { fourth.Id, (fourth.Id + 1) % cluster.Count };
            var majority = Enumerable.Range(0, cluster.Count).Except(minority).ToArray();
            Log($"partition {string.Join(",", minority)} (with leader {fourth.Id}) | {string.Join(",", majority)}");
            mesh.Partition([minority, majority], CutStyle.Refuse);
            await MoreWritesAsync("during the split (the majority elected a leader)");
            mesh.HealAll();
            await MoreWritesAsync("after healing");
        }
        finally
        {
            mesh.HealAll();
            await stopWriting.CancelAsync();
            await writes;
        }

        var expected = await CommittedEvents.ReadAsync(writer, "w/", ct);
        await WaitUntilAsync(() => seen.Count >= expected.Count, $"the watch to deliver all {expected.Count} committed events", ct);
        await stopWatching.CancelAsync();
        await watch;

        Log($"{expected.Count} events from {Interlocked.Read(ref acknowledged.Value)} acknowledged writes; the watch moved: {string.Join(" | ", moves)}");
        seen.Select(e => (e.Type, e.Key, e.ModRevision, e.Version)).Should().Equal(expected, "the watch must deliver exactly the committed events, in order");
        moves.Should().NotBeEmpty("the watch's node was killed, so it must have moved at least once");
    }

    /// <summary>Sets and deletes of a few keys under w/, each retried by the client through failovers (sessions keep retries exactly-once).</summary>
    private static async Task WriteUntilStoppedAsync(RaftClient client, StrongBox<long> acknowledged, CancellationToken ct)
    {
        for (var i = 0; !ct.IsCancellationRequested; i++)
        {
            try
            {
                var key = $"w/{i % 5}";
                var response = i % 7 == 6 ? await client.DeleteAsync(key, ct) : await client.SetAsync(key, JsonSerializer.SerializeToElement(i), ct);
                if (response.Status is ClientStatus.Ok or ClientStatus.NotFound) Interlocked.Increment(ref acknowledged.Value);

                // Paced (as the nemesis workload is), so that a restarted node catches up in moments, not minutes.
                await Task.Delay(5, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (ClusterUnavailableException)
            {
                // It may or may not have committed: the log, not the acknowledgement, is the truth here.
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Settle) throw new TimeoutException($"waited {Settle.TotalSeconds:0}s for {what}");
            await Task.Delay(20, ct);
        }
    }

    private void Log(string line)
    {
        var stamped = $"{DateTime.UtcNow:HH:mm:ss.fff} {line}";
        _timeline.Enqueue(stamped);
        output.WriteLine(stamped);
    }
}
