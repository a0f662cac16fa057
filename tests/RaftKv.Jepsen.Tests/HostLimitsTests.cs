using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Jepsen.Tests.Runs;
using RaftKv.Jepsen.Tests.Support;
using RaftKv.Testing.Protocol;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Jepsen.Tests;

/// <summary>
/// What the host around the replica promises under stress (issue 8, "Done when"): persistence off the loop (a slow
/// disk does not stop heartbeats), bounded memory under a flood of clients, and a full disk during snapshots and
/// compaction that never stops the node. Real raftnode processes.
/// </summary>
public sealed class HostLimitsTests(ITestOutputHelper output)
{
    /// <summary>The RSS the flooded node must stay under (a 1-node cluster with 10,000 requests in flight at once).</summary>
    private const long FloodRssBoundBytes = 512L << 20;

    [Fact]
    public async Task Leader_keeps_its_term_while_every_fsync_takes_200_ms()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            NodeCount = 3,
            Environment = new Dictionary<string, string> { ["RAFTKV_TEST_FSYNC_DELAY_MS"] = "200" },
        }, ct);
        await cluster.WaitForLeaderAsync(ClusterChecks.SettleTimeout, ct);
        await using var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));

        // The first election ran on the slow disks too (votes wait for their fsync), so a candidate of a lost round
        // may still time out once more before it hears the winner. The measurement starts once the cluster has
        // settled: a write committed, and every node following the same leader in the same term.
        (await client.SetAsync("settled", JsonSerializer.SerializeToElement(true), ct)).Status.Should().Be(ClientStatus.Ok);
        var leader = await WaitForOneLeaderEverywhereAsync(cluster, ct);
        output.WriteLine($"node {leader.Id} leads term {leader.Term} on every node; every storage write takes 200 ms longer on every node");

        // Eight writers for five seconds: every node is inside a slow write nearly all the time. The leader's
        // heartbeats (every 50 ms, election timeout 300 ms) must keep flowing meanwhile.
        var acknowledged = 0;
        var clock = Stopwatch.StartNew();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(5); i++)
            {
                var response = await client.SetAsync($"slow-{w}-{i}", JsonSerializer.SerializeToElement(i), ct);
                if (response.Status == ClientStatus.Ok) Interlocked.Increment(ref acknowledged);
            }
        }, ct)).ToArray();
        await Task.WhenAll(writers);

        var statuses = await WaitForEveryNodeToAnswerAsync(cluster, ct);
        output.WriteLine($"{acknowledged} writes acknowledged in {clock.Elapsed.TotalSeconds:0.0} s; now {Describe(statuses)}");
        for (var id = 0; id < cluster.Count; id++)
            foreach (var line in cluster.NodeLog(id).Split('\n').Where(l => l.Contains("term", StringComparison.Ordinal) || l.Contains("leader", StringComparison.Ordinal)))
                output.WriteLine(line);
        acknowledged.Should().BePositive();
        statuses.Should().AllSatisfy(s =>
        {
            s!.Term.Should().Be(leader.Term, "a slow disk must not cost the leader its heartbeats (no election): {0}", Describe(statuses));
            s.LeaderId.Should().Be(leader.Id, "every node still follows the leader of the measured term: {0}", Describe(statuses));
        });
    }

    /// <summary>
    /// Every node's status once each has answered (a node inside a 200 ms write may miss one status round's
    /// one-second deadline); at most a minute.
    /// </summary>
    private static async Task<NodeStatus?[]> WaitForEveryNodeToAnswerAsync(LocalCluster cluster, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var statuses = await cluster.StatusAllAsync(ct);
            if (statuses.All(s => s is not null)) return statuses;
            if (deadline.Elapsed > TimeSpan.FromMinutes(1))
                throw new TimeoutException($"not every node answered its status within a minute: {Describe(statuses)}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }

    private static string Describe(NodeStatus?[] statuses) =>
        string.Join(", ", statuses.Select((s, id) => s is null ? $"node {id}: no answer" : $"node {id}: {s.Role}, leader {s.LeaderId}, term {s.Term}"));

    /// <summary>Waits (at most a minute) until every node reports the same leader in the same term.</summary>
    private static async Task<(int Id, long Term)> WaitForOneLeaderEverywhereAsync(LocalCluster cluster, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var statuses = await cluster.StatusAllAsync(ct);
            if (statuses.All(s => s?.LeaderId is not null) && statuses.Select(s => (s!.LeaderId, s.Term)).Distinct().Count() == 1)
                return (statuses[0]!.LeaderId!.Value, statuses[0]!.Term);
            if (deadline.Elapsed > TimeSpan.FromMinutes(1))
                throw new TimeoutException($"the nodes did not agree on one leader within a minute: {Describe(statuses)}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }

    [Fact]
    public async Task Flood_of_10000_concurrent_requests_is_told_overloaded_beyond_the_limit_in_bounded_memory_and_served_afterwards()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        // One node with a slow disk: requests pile up faster than they can be made durable.
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            NodeCount = 1,
            Environment = new Dictionary<string, string> { ["RAFTKV_TEST_FSYNC_DELAY_MS"] = "200" },
        }, ct);
        await cluster.WaitForLeaderAsync(ClusterChecks.SettleTimeout, ct);
        var address = cluster.Addresses[0];
        var pid = cluster.Node(0).ProcessId ?? throw new InvalidOperationException("node 0 has no process");

        // 100 connections, each with 100 writes in flight at once: 10,000 concurrent requests, well past the node's
        // limit of 4,096 pending requests.
        const int connections = 100;
        const int perConnection = 100;
        var statuses = new ConcurrentDictionary<string, int>();
        var maxRss = 0L;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                maxRss = Math.Max(maxRss, ReadRss(pid));
                try { await Task.Delay(20, sampling.Token); } catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);

        var flood = Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
        {
            await using var connection = await RawConnection.ConnectAsync(address, hello: true, ct);
            for (var i = 0; i < perConnection; i++)
            {
                var request = new ClientRequest
                {
                    Id = i + 1,
                    Op = ClientOp.Set,
                    Key = $"flood-{c}-{i}",
                    Value = JsonSerializer.SerializeToElement(new string('x', 100)),
                };
                await connection.SendFrameAsync(JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.ClientRequest), ct);
            }
            for (var i = 0; i < perConnection; i++)
            {
                var response = await connection.ReadResponseAsync(ct);
                var outcome = response.Status == ClientStatus.Unavailable ? $"unavailable: {Kind(response.Error)}" : response.Status.ToString();
                statuses.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }
        }, ct)).ToArray();
        await Task.WhenAll(flood);
        await sampling.CancelAsync();
        await sampler;

        output.WriteLine($"answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"))}");
        output.WriteLine($"node RSS peaked at {maxRss / (1 << 20)} MiB (bound {FloodRssBoundBytes / (1 << 20)} MiB)");
        statuses.Values.Sum().Should().Be(connections * perConnection, "every request gets an answer");
        statuses.GetValueOrDefault("unavailable: overloaded").Should().BePositive("requests beyond the limit are refused at once");
        statuses.GetValueOrDefault(nameof(ClientStatus.Ok)).Should().BePositive();
        maxRss.Should().BePositive().And.BeLessThan(FloodRssBoundBytes);

        // The flood is over: the node serves again.
        await using var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));
        var after = await client.SetAsync("after-flood", JsonSerializer.SerializeToElement("ok"), ct);
        after.Status.Should().Be(ClientStatus.Ok);
        var read = await client.GetAsync("after-flood", stale: false, ct);
        read.Value!.Value.GetString().Should().Be("ok");
        cluster.Node(0).IsRunning.Should().BeTrue();
    }

    [SkippableFact]
    public async Task Full_disk_during_snapshots_and_compaction_never_stops_the_node_and_loses_nothing()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var cluster = LocalCluster.Create(new LocalClusterOptions { NodeCount = 3, ExtraArguments = ["--snapshot-entries", "40"] });
        var dataDirs = Enumerable.Range(0, cluster.Count).Select(cluster.DataDirectory).ToArray();
        var mountProblem = await Tmpfs.TryMountAllAsync(dataDirs, "24m", ct);
        if (mountProblem is not null) await cluster.DisposeAsync();
        Skip.If(mountProblem is not null, $"a full disk needs a small tmpfs, and mounting one is not permitted here: {mountProblem}");

        var acknowledged = new ConcurrentDictionary<string, string>();
        try
        {
            await cluster.StartAllAsync(ct);
            var leader = await cluster.WaitForLeaderAsync(ClusterChecks.SettleTimeout, ct);
            var full = leader.Id;
            await using var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(5), requestTimeout: TimeSpan.FromSeconds(1));

            // A state worth a snapshot of a few MiB: 100 values of 32 KiB.
            var big = new string('s', 32 * 1024);
            for (var i = 0; i < 100; i++)
            {
                var value = JsonSerializer.SerializeToElement($"{big}{i}");
                (await client.SetAsync($"big-{i}", value, ct)).Status.Should().Be(ClientStatus.Ok);
                acknowledged[$"big-{i}"] = value.GetRawText();
            }
            await cluster.WaitForLogAsync(full, "log compacted", TimeSpan.FromSeconds(60), ct);

            // Fill the leader's disk, then give back 256 KiB: small appends still fit, the next snapshot does not.
            var filler = Path.Combine(dataDirs[full], "filler");
            FillDiskLeaving(filler, 256 * 1024);
            output.WriteLine($"node {full} (the leader) has about 256 KiB left; snapshots of its state take MiBs");

            using var stopWriting = new CancellationTokenSource();
            var writer = Task.Run(() => KeepWritingAsync(client, acknowledged, stopWriting.Token), CancellationToken.None);
            await cluster.WaitForLogAsync(full, "could not be stored", TimeSpan.FromSeconds(90), ct);
            output.WriteLine($"node {full}: a snapshot failed for lack of space");
            cluster.Node(full).IsRunning.Should().BeTrue("a snapshot that does not fit must not stop the node");

            File.Delete(filler);
            output.WriteLine("filler deleted");
            await cluster.WaitForLogAsync(full, "disk writable again", TimeSpan.FromSeconds(60), ct);
            var before = acknowledged.Count;
            await WaitUntilAsync(() => acknowledged.Count >= before + 20, "writes to resume once space returned", ct);
            await stopWriting.CancelAsync();
            await writer;

            var problems = new List<string>();
            await ClusterChecks.WaitForConvergenceAsync(cluster, problems, ct);
            problems.Should().BeEmpty();
            for (var node = 0; node < cluster.Count; node++)
            {
                var state = await NodeStates.ReadAsync(cluster.Addresses[node], ct);
                foreach (var (key, value) in acknowledged)
                    state.GetValueOrDefault(key).Should().Be(value, $"node {node} must hold every acknowledged write ({acknowledged.Count} of them)");
            }
            for (var node = 0; node < cluster.Count; node++)
            {
                cluster.Node(node).IsRunning.Should().BeTrue($"node {node} must never exit for a full disk");
                cluster.Node(node).Output.Contains("crit:").Should().BeFalse();
            }
            output.WriteLine($"{acknowledged.Count} acknowledged writes found on every node");
        }
        finally
        {
            await cluster.DisposeAsync();
            foreach (var dir in dataDirs) await Tmpfs.UnmountAsync(dir);
        }
    }

    private static string Kind(string? error) =>
        error is null ? "?" : error.StartsWith(ClientErrors.Overloaded, StringComparison.Ordinal) ? ClientErrors.Overloaded : error.Split(' ')[0];

    /// <summary>The resident set size of process <paramref name="pid"/>, from /proc; 0 once it is gone.</summary>
    private static long ReadRss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var kib = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    private static void FillDiskLeaving(string path, long leave)
    {
        var chunk = new byte[64 * 1024];
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            try
            {
                while (true) stream.Write(chunk);
            }
            catch (IOException)
            {
                // ENOSPC: full.
            }
        }
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        RandomAccess.SetLength(handle, Math.Max(0, RandomAccess.GetLength(handle) - leave));
    }

    /// <summary>Unique keys, one write at a time; only writes answered Ok are remembered as acknowledged.</summary>
    private static async Task KeepWritingAsync(RaftClient client, ConcurrentDictionary<string, string> acknowledged, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var key = $"during-{i}";
            var value = JsonSerializer.SerializeToElement($"during-value-{i}");
            try
            {
                var response = await client.SetAsync(key, value, CancellationToken.None);
                if (response.Status == ClientStatus.Ok) acknowledged[key] = value.GetRawText();
            }
            catch (ClusterUnavailableException)
            {
                // Not acknowledged: nothing is promised about it.
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(90)) throw new TimeoutException($"waited 90 s for {what}");
            await Task.Delay(50, ct);
        }
    }
}
