using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Jepsen.Tests.Runs;
using RaftKv.Jepsen.Tests.Support;
using RaftKv.Jepsen.Tests.Workload;
using RaftKv.Protocol;
using RaftKv.Linearizability;
using RaftKv.Testing.Processes;
using RaftKv.Testing.Protocol;
using Xunit.Abstractions;

namespace RaftKv.Jepsen.Tests;

/// <summary>Crashes in the middle of disk writes, and a disk that fills up, under real processes.</summary>
public sealed class DiskFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Kill_minus_9_during_heavy_writes_recovers_the_log_and_loses_nothing_acknowledged()
    {
        const int seed = 21;
        const int cycles = 10;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var random = new Random(seed);
        var problems = new List<string>();
        var history = new History();
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3 }, ct);
        await cluster.WaitForLeaderAsync(ClusterChecks.SettleTimeout, ct);

        // Write-heavy and without pauses: the nodes are always in the middle of an fsync when the kill comes.
        var keys = KvWorkload.Keys(12);
        var workload = new KvWorkload(cluster.Addresses, keys, seed, history) { ReadPercent = 15, DeletePercent = 5, MaxPauseMs = 0 };
        using var stopStarting = new CancellationTokenSource();
        var clients = workload.RunAsync(8, stopStarting.Token);
        var kills = new List<string>();
        try
        {
            for (var cycle = 1; cycle <= cycles; cycle++)
            {
                // Everything random is drawn first, so the seed gives the same schedule whatever the cluster does.
                var after = TimeSpan.FromMilliseconds(random.Next(200, 1500));
                var roll = random.Next(100);
                var other = random.Next(cluster.Count);
                var down = TimeSpan.FromMilliseconds(random.Next(0, 500));
                await Task.Delay(after, ct);

                var leader = (await cluster.WaitForLeaderAsync(ClusterChecks.SettleTimeout, ct)).Id;
                int[] victims = roll switch
                {
                    < 55 => [leader],
                    < 80 => [other],
                    _ => [.. Enumerable.Range(0, cluster.Count)], // the whole cluster at once: only the disk remembers
                };
                var what = $"cycle {cycle}: kill -9 {(victims.Length == cluster.Count ? "every node" : $"node {victims[0]}{(victims[0] == leader ? " (leader)" : "")}")} after {after.TotalMilliseconds:0}ms of writes, down {down.TotalMilliseconds:0}ms";
                kills.Add(what);
                output.WriteLine(what);
                await Task.WhenAll(victims.Select(v => cluster.KillAsync(v, ct)));
                await Task.Delay(down, ct);
                foreach (var v in victims) cluster.Start(v);
                await cluster.WaitForLeaderAsync(ClusterChecks.SettleTimeout, ct);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            await stopStarting.CancelAsync();
            await clients;

            await ClusterChecks.WaitForConvergenceAsync(cluster, problems, ct);
            var final = await ClusterChecks.FinalReadsAsync(cluster, workload, 8, keys, problems, ct);
            await ClusterChecks.CompareStatesAsync(cluster, final, problems, ct);
            for (var node = 0; node < cluster.Count; node++)
            {
                if (!cluster.Node(node).IsRunning) problems.Add($"node {node} is not running (exit code {cluster.Node(node).ExitCode}): {cluster.NodeLog(node)}");
                if (cluster.Node(node).Output.Contains("crit:")) problems.Add($"node {node} logged a critical error: {cluster.NodeLogFile(node)}");
            }

            var check = LinearizabilityChecker.Check(history.Operations, TimeSpan.FromSeconds(90));
            output.WriteLine($"operations: {workload.Counts}");
            output.WriteLine($"linearizability: {check.IsLinearizable} ({check.OperationsChecked} operations checked in {check.Elapsed.TotalSeconds:0.0}s)");
            var recoveries = Enumerable.Range(0, cluster.Count).Sum(n => cluster.Node(n).Output.LinesSince(0).Count(l => l.Contains("Storage recovery", StringComparison.Ordinal)));
            output.WriteLine($"storage recovery notes logged on restart (torn tails cut off and the like): {recoveries}");
            if (!check.IsLinearizable) problems.Add(check.Counterexample ?? "not linearizable");

            if (problems.Count > 0)
            {
                var saved = await ClusterChecks.SaveFailureAsync(cluster, history, $"kill9-seed{seed}", problems);
                problems.Add($"history and logs saved next to {saved}");
            }

            problems.Should().BeEmpty($"kills:\n{string.Join("\n", kills)}\noperations: {workload.Counts}");
            workload.Counts[OpKind.Set, OpOutcome.Ok].Should().BeGreaterThan(100, "the writes must have been heavy");
        }
        finally
        {
            await stopStarting.CancelAsync();
        }
    }

    [SkippableFact]
    public async Task Full_disk_refuses_writes_with_a_clear_error_loses_nothing_and_resumes_when_space_returns()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        var cluster = LocalCluster.Create(new LocalClusterOptions { NodeCount = 3 });
        // Every node on its own small tmpfs, so that the one to fill can be chosen once the leader is known.
        var dataDirs = Enumerable.Range(0, cluster.Count).Select(cluster.DataDirectory).ToArray();
        var mountProblem = await Tmpfs.TryMountAllAsync(dataDirs, "4m", ct);
        if (mountProblem is not null) await cluster.DisposeAsync();
        Skip.If(mountProblem is not null, $"a full disk needs a small tmpfs, and mounting one is not permitted here: {mountProblem}");

        var acknowledged = new ConcurrentDictionary<string, string>();
        try
        {
            await cluster.StartAllAsync(ct);
            var leader = await cluster.WaitForLeaderAsync(ClusterChecks.SettleTimeout, ct);
            // The leader's disk fills: the hardest case, since it must stop acknowledging and hand over.
            var full = leader.Id;
            var dataDir = dataDirs[full];
            output.WriteLine($"every node runs on a 4 MiB tmpfs; filling node {full}'s (the leader's) at {dataDir}");
            await using var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(5), requestTimeout: TimeSpan.FromSeconds(1));
            await WriteAsync(client, "before", 20, acknowledged, ct);

            // Fill the disk to the last byte.
            var filler = Path.Combine(dataDir, "filler");
            FillDisk(filler);
            output.WriteLine($"filled: {new FileInfo(filler).Length} bytes of filler");

            // Writes go on in the background; the full node hits the wall as soon as it must persist one.
            using var stopWriting = new CancellationTokenSource();
            var writer = Task.Run(() => KeepWritingAsync(client, acknowledged, stopWriting.Token), CancellationToken.None);

            var refusal = await WaitForRefusalAsync(cluster.Addresses[full], ct);
            output.WriteLine($"node {full} answers a write: {refusal.Status}: {refusal.Error}");
            refusal.Status.Should().Be(ClientStatus.Unavailable);
            refusal.Error.Should().Contain("disk full");
            await cluster.WaitForLogAsync(full, "disk full", TimeSpan.FromSeconds(30), ct);

            // The two nodes with disk space are a majority: the cluster keeps acknowledging writes meanwhile.
            var during = acknowledged.Count;
            await WaitUntilAsync(() => acknowledged.Count >= during + 20, "writes to go on while one node's disk is full", ct);
            var successor = await cluster.WaitForLeaderAsync(ClusterChecks.SettleTimeout, ct, except: [full]);
            output.WriteLine($"node {successor.Id} leads in term {successor.Term} while node {full}'s disk is full; {acknowledged.Count - during} writes acknowledged meanwhile");

            File.Delete(filler);
            output.WriteLine("filler deleted");
            await WaitUntilAsync(async () =>
            {
                var answer = await ProbeWriteAsync(cluster.Addresses[full], ct);
                return answer.Error?.Contains("disk full", StringComparison.Ordinal) != true;
            }, "the node to stop refusing once space returned", ct);
            await cluster.WaitForLogAsync(full, "disk writable again", TimeSpan.FromSeconds(30), ct);

            await stopWriting.CancelAsync();
            await writer;
            var problems = new List<string>();
            await ClusterChecks.WaitForConvergenceAsync(cluster, problems, ct);
            problems.Should().BeEmpty();

            // The log written across the full-disk episode must replay: a retried batch after a short write
            // must not have left a torn or doubled record in the middle of a segment.
            await cluster.RestartAsync(full, ct);
            await ClusterChecks.WaitForConvergenceAsync(cluster, problems, ct);
            problems.Should().BeEmpty($"node {full} must restart from the log it wrote while its disk was full:\n{cluster.NodeLog(full)}");
            cluster.Node(full).Output.Contains("crit:").Should().BeFalse();

            // Nothing acknowledged is lost, on any node, the one that ran out of disk included.
            for (var node = 0; node < cluster.Count; node++)
            {
                var state = await NodeStates.ReadAsync(cluster.Addresses[node], ct);
                foreach (var (key, value) in acknowledged)
                    state.GetValueOrDefault(key).Should().Be(value, $"node {node} must hold every acknowledged write ({acknowledged.Count} of them)");
            }
            cluster.Node(full).IsRunning.Should().BeTrue("a full disk must not crash the node");
            cluster.Node(full).Output.Contains("crit:").Should().BeFalse();
            output.WriteLine($"{acknowledged.Count} acknowledged writes found on every node");
        }
        finally
        {
            await cluster.DisposeAsync();
            await UnmountAllAsync(cluster, dataDirs);
        }
    }

    private static async Task UnmountAllAsync(LocalCluster cluster, IEnumerable<string> mounted)
    {
        foreach (var dir in mounted) await Tmpfs.UnmountAsync(dir);
        // The cluster could not delete its folder while the mounts were in it.
        try
        {
            if (Directory.Exists(cluster.RootDirectory)) Directory.Delete(cluster.RootDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A lazily unmounted point may linger a moment; it is in a temp folder.
        }
    }

    private static void FillDisk(string path)
    {
        var chunk = new byte[64 * 1024];
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        try
        {
            while (true) stream.Write(chunk);
        }
        catch (IOException)
        {
            // ENOSPC: full. Top up with smaller writes so that not even a page is left.
        }
        var small = new byte[512];
        try
        {
            while (true) stream.Write(small);
        }
        catch (IOException)
        {
            // full to the page
        }
    }

    private static async Task WriteAsync(RaftClient client, string prefix, int count, ConcurrentDictionary<string, string> acknowledged, CancellationToken ct)
    {
        for (var i = 0; i < count; i++)
        {
            var key = $"{prefix}-{i}";
            var value = JsonSerializer.SerializeToElement($"{prefix}-value-{i}");
            var response = await client.SetAsync(key, value, ct);
            response.Status.Should().Be(ClientStatus.Ok);
            acknowledged[key] = value.GetRawText();
        }
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

    private static async Task<ClientResponse> WaitForRefusalAsync(string address, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        ClientResponse? last = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            last = await ProbeWriteAsync(address, ct);
            if (last.Status == ClientStatus.Unavailable && last.Error?.Contains("disk full", StringComparison.Ordinal) == true) return last;
            await Task.Delay(100, ct);
        }
        return last!;
    }

    /// <summary>A write sent to one node only, answered by it without retries.</summary>
    private static async Task<ClientResponse> ProbeWriteAsync(string address, CancellationToken ct)
    {
        await using var connection = await RawConnection.ConnectAsync(address, hello: true, ct);
        using var answer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        answer.CancelAfter(TimeSpan.FromSeconds(10));
        return await connection.RequestAsync(new ClientRequest
        {
            Id = 1,
            Op = ClientOp.Set,
            Key = "probe",
            Value = JsonSerializer.SerializeToElement("probe"),
        }, answer.Token);
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, ct);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"waited 60s for {what}");
            await Task.Delay(100, ct);
        }
    }
}
