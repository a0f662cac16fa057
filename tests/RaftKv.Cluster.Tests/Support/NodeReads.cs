using System.Text.Json;
using RaftKv.Client;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;

namespace RaftKv.Cluster.Tests.Support;

/// <summary>Reads a node's own state machine (a stale read answered by that node, not the leader).</summary>
public static class NodeReads
{
    /// <summary>
    /// Every key and value node <paramref name="id"/> has applied. A client that knows only that node's
    /// address asks it first, and a follower answers a stale read itself.
    /// </summary>
    public static async Task<Dictionary<string, JsonElement>> ReadAllStaleAsync(LocalCluster cluster, int id, CancellationToken cancellationToken)
    {
        await using var client = new RaftClient(new RaftClientOptions
        {
            Servers = [cluster.Addresses[id]],
            Timeout = TimeSpan.FromSeconds(10),
        });
        var response = await client.GetAllAsync(stale: true, cancellationToken);
        response.Status.Should().Be(ClientStatus.Ok, $"node {id} should answer a stale read ({response.Error})");
        return response.Values ?? [];
    }

    /// <summary>Waits until node <paramref name="id"/> has applied at least the leader's current commit index.</summary>
    public static async Task<NodeStatus> WaitUntilCaughtUpAsync(LocalCluster cluster, int id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var leader = await cluster.WaitForLeaderAsync(timeout, cancellationToken);
        var leaderStatus = await cluster.TryStatusAsync(leader.Id, cancellationToken)
                           ?? throw new InvalidOperationException($"leader {leader.Id} stopped answering");
        var target = leaderStatus.CommitIndex;
        return await cluster.WaitForStatusAsync(id, s => s.AppliedIndex >= target, $"applied index reaching the leader's commit index {target}", timeout, cancellationToken);
    }
}
