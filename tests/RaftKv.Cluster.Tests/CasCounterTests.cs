using RaftKv.Client;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>Compare-and-set increments of one counter from concurrent clients, through a leader kill: no lost update.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CasCounterTests(ITestOutputHelper output)
{
    [Fact]
    public Task Concurrent_cas_increments_leave_the_counter_equal_to_the_acknowledged_increments() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));
        (await client.SetAsync("counter", Json.Number(0), ct)).Status.Should().Be(ClientStatus.Ok);

        var acknowledged = 0;
        var unknown = 0;
        var conflicts = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        async Task IncrementUntilStoppedAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var read = await client.GetAsync("counter", stale: false, stop.Token);
                    var next = Json.Number(read.Value!.Value.GetInt64() + 1);
                    ClientResponse write;
                    try
                    {
                        write = await client.SetAsync("counter", next, new WriteOptions { IfVersion = read.Kv!.Version }, stop.Token);
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        // Stopped with the increment in flight: it may or may not have been applied.
                        Interlocked.Increment(ref unknown);
                        return;
                    }
                    if (write.Status == ClientStatus.Ok) Interlocked.Increment(ref acknowledged);
                    else if (write.Status == ClientStatus.ConditionFailed) Interlocked.Increment(ref conflicts);
                    else throw new InvalidOperationException($"unexpected answer {write.Status}: {write.Error}");
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (ClusterUnavailableException e) when (e.OutcomeUnknown)
                {
                    Interlocked.Increment(ref unknown);
                }
            }
        }
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(IncrementUntilStoppedAsync, ct)).ToArray();

        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref acknowledged) >= 30), "30 acknowledged increments", TimeSpan.FromSeconds(40), ct);
        await cluster.KillAsync(leader.Id, ct);
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct, except: [leader.Id]);
        var atKill = Volatile.Read(ref acknowledged);
        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref acknowledged) >= atKill + 30), "30 more increments after the kill", TimeSpan.FromSeconds(40), ct);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var final = (await client.GetAsync("counter", stale: false, ct)).Value!.Value.GetInt64();
        output.WriteLine($"final {final}, acknowledged {acknowledged}, outcome unknown {unknown}, conflicts {conflicts}");
        final.Should().BeGreaterThanOrEqualTo(acknowledged, "no acknowledged increment may be lost");
        final.Should().BeLessThanOrEqualTo(acknowledged + unknown, "every increment beyond the acknowledged ones must be one whose outcome was unknown");
        conflicts.Should().BeGreaterThan(0, "eight clients on one counter must have collided: otherwise the guard was not exercised");
    });
}
