using RaftKv.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class SmokeTests(ITestOutputHelper output)
{
    [Fact]
    public Task Three_nodes_elect_a_leader_and_accept_a_write() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        await using var client = cluster.CreateClient();
        var response = await client.SetAsync("k", System.Text.Json.JsonDocument.Parse("1").RootElement, ct);
        response.Status.Should().Be(RaftKv.Protocol.ClientStatus.Ok);
        output.WriteLine($"leader {leader}");
    });
}
