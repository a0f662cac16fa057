using System.Diagnostics;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>Leases across a leader kill: kept alive, a key stays; not kept alive, it goes, within TTL + an election timeout of the new leader.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LeaseFailoverTests(ITestOutputHelper output)
{
    private const int TtlSeconds = 3;

    [Fact]
    public Task A_kept_lease_survives_failover_and_an_unkept_one_is_deleted_after_its_ttl() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using var client = cluster.CreateClient(timeout: TimeSpan.FromSeconds(20));

        var kept = (await client.LeaseGrantAsync(TtlSeconds, ct)).LeaseId!.Value;
        var grantSent = Stopwatch.StartNew();
        var unkept = (await client.LeaseGrantAsync(TtlSeconds, ct)).LeaseId!.Value;
        (await client.SetAsync("kept", Json.Number(1), new RaftKv.Client.WriteOptions { Lease = kept }, ct)).Status.Should().Be(ClientStatus.Ok);
        (await client.SetAsync("unkept", Json.Number(1), new RaftKv.Client.WriteOptions { Lease = unkept }, ct)).Status.Should().Be(ClientStatus.Ok);

        using var stopKeeping = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var keeper = Task.Run(async () =>
        {
            while (!stopKeeping.IsCancellationRequested)
            {
                try
                {
                    var r = await client.LeaseKeepAliveAsync(kept, stopKeeping.Token);
                    r.Status.Should().Be(ClientStatus.Ok, "the kept lease must never expire");
                    await Task.Delay(TimeSpan.FromSeconds(TtlSeconds / 3.0), stopKeeping.Token);
                }
                catch (OperationCanceledException) when (stopKeeping.IsCancellationRequested)
                {
                    return;
                }
            }
        }, ct);

        await cluster.KillAsync(leader.Id, ct);
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct, except: [leader.Id]);
        var newLeaderSeen = Stopwatch.StartNew();

        // The unkept key: never gone before its TTL, and gone within TTL + an election timeout of the new leader (+ slack for a busy machine).
        var deadline = TimeSpan.FromSeconds(TtlSeconds) + TimeSpan.FromMilliseconds(cluster.Options.ElectionTimeoutMs) + TimeSpan.FromSeconds(3);
        while (true)
        {
            var before = grantSent.Elapsed;
            var unkeptRead = await client.GetAsync("unkept", stale: false, ct);
            if (unkeptRead.Status == ClientStatus.NotFound)
            {
                before.Should().BeGreaterThan(TimeSpan.FromSeconds(TtlSeconds), "a lease must never expire before its TTL");
                break;
            }
            newLeaderSeen.Elapsed.Should().BeLessThan(deadline, "the unkept lease must expire within TTL + one election timeout of the new leader");
            (await client.GetAsync("kept", stale: false, ct)).Status.Should().Be(ClientStatus.Ok, "a lease kept alive must keep its key across the failover");
            await Task.Delay(100, ct);
        }
        output.WriteLine($"unkept lease deleted {newLeaderSeen.Elapsed.TotalSeconds:0.00}s after the new leader was seen");

        // The kept one outlives several TTLs.
        var keptFor = Stopwatch.StartNew();
        while (keptFor.Elapsed < TimeSpan.FromSeconds(2 * TtlSeconds))
        {
            (await client.GetAsync("kept", stale: false, ct)).Status.Should().Be(ClientStatus.Ok, "a lease kept alive must keep its key");
            await Task.Delay(200, ct);
        }
        await stopKeeping.CancelAsync();
        await keeper;

        var ttl = await client.LeaseTtlAsync(kept, ct);
        ttl.Lease!.Keys.Should().Equal("kept");
        (await client.LeaseRevokeAsync(kept, ct)).Deleted.Should().Be(1);
        (await client.GetAsync("kept", stale: false, ct)).Status.Should().Be(ClientStatus.NotFound);
    });
}
