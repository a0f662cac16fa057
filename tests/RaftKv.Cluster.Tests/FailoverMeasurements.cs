using System.Collections.Concurrent;
using System.Diagnostics;
using RaftKv.Client;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// Measurements, not speed tests: how long writes stop when the leader dies (kill -9) and when it is
/// stopped with Ctrl+C (SIGINT, which hands leadership over first). A client is connected and writing in
/// a loop; a run's time is from the signal to the first write acknowledged by another leader. The
/// product's default timings are used (heartbeat 50 ms, election timeout 150 ms). Times are printed,
/// never asserted; what is asserted is that every run ends with another leader taking writes.
/// To see the numbers: <c>dotnet test tests/RaftKv.Cluster.Tests --filter FailoverMeasurements --logger "console;verbosity=detailed"</c>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FailoverMeasurements(ITestOutputHelper output)
{
    private const int Runs = 10;

    private static readonly LocalClusterOptions ProductDefaults = new() { HeartbeatMs = 50, ElectionTimeoutMs = 150 };

    [Fact]
    public Task Measure_write_outage_after_kill_9_and_after_sigint_of_the_leader() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var acks = new ConcurrentQueue<(long At, int? Leader)>();
        await using var client = cluster.CreateClient();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = Task.Run(() => WriteLoopAsync(client, acks, stop.Token), ct);

        var killed = new List<double>();
        var interrupted = new List<double>();
        for (var run = 0; run < Runs; run++)
        {
            killed.Add(await MeasureAsync(cluster, acks, graceful: false, ct));
            interrupted.Add(await MeasureAsync(cluster, acks, graceful: true, ct));
        }
        await stop.CancelAsync();
        await writer;

        var report = $"write outage after the leader is killed (kill -9): median {Median(killed):0} ms; runs: {string.Join(", ", killed.Select(m => $"{m:0}"))} ms\n" +
                     $"write outage after the leader is interrupted (SIGINT): median {Median(interrupted):0} ms; runs: {string.Join(", ", interrupted.Select(m => $"{m:0}"))} ms";
        output.WriteLine(report);
        Console.WriteLine(report);
        killed.Should().HaveCount(Runs).And.OnlyContain(m => m > 0);
        interrupted.Should().HaveCount(Runs).And.OnlyContain(m => m > 0);
    }, ProductDefaults);

    /// <summary>Stops the leader, returns the milliseconds until another leader acknowledged a write, then restarts the node and waits until it caught up.</summary>
    private static async Task<double> MeasureAsync(LocalCluster cluster, ConcurrentQueue<(long At, int? Leader)> acks, bool graceful, CancellationToken ct)
    {
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var start = Stopwatch.GetTimestamp();
        if (graceful) cluster.Node(leader.Id).Interrupt();
        else cluster.Node(leader.Id).Kill();

        long? first = null;
        await Wait.UntilAsync(() =>
        {
            first = acks.Where(a => a.At > start && a.Leader is int l && l != leader.Id).Select(a => (long?)a.At).FirstOrDefault();
            return Task.FromResult(first is not null);
        }, $"a write acknowledged by a leader other than node {leader.Id}", TimeSpan.FromSeconds(30), ct);

        var exitCode = await cluster.Node(leader.Id).WaitForExitAsync(TimeSpan.FromSeconds(30), ct);
        if (graceful) exitCode.Should().Be(0, "SIGINT stops a node cleanly");
        cluster.Start(leader.Id);
        await NodeReads.WaitUntilCaughtUpAsync(cluster, leader.Id, TimeSpan.FromSeconds(30), ct);
        return Stopwatch.GetElapsedTime(start, first!.Value).TotalMilliseconds;
    }

    private static async Task WriteLoopAsync(RaftClient client, ConcurrentQueue<(long At, int? Leader)> acks, CancellationToken stop)
    {
        for (var i = 0L; !stop.IsCancellationRequested; i++)
        {
            try
            {
                var response = await client.SetAsync($"m-{i % 10}", Json.Number(i), stop);
                if (response.Status == ClientStatus.Ok) acks.Enqueue((Stopwatch.GetTimestamp(), response.LeaderId));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (ClusterUnavailableException)
            {
                // Counted as part of the outage; the loop goes on.
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
