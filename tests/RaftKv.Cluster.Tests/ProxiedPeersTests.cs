using RaftKv.Cluster.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Faults;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// Per-node servers files (LocalCluster.SetServers): each node reaches its peers through a proxy listed
/// in its own file. The harness's basis for fault injection between peers (partitions, delays).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ProxiedPeersTests(ITestOutputHelper output)
{
    [Fact]
    public Task Nodes_whose_servers_files_list_proxies_for_their_peers_form_a_cluster_through_them() => ClusterRun.WithClusterAsync(output, async (cluster, ct) =>
    {
        var proxies = new List<FaultProxy>();
        try
        {
            for (var id = 0; id < cluster.Count; id++)
            {
                var servers = cluster.Addresses.ToArray();
                for (var peer = 0; peer < cluster.Count; peer++)
                {
                    if (peer == id) continue;
                    var proxy = FaultProxy.Start($"{id}->{peer}", System.Net.IPEndPoint.Parse(cluster.Addresses[peer]));
                    proxies.Add(proxy);
                    servers[peer] = proxy.Address;
                }
                cluster.SetServers(id, servers);
                cluster.ServersFileOf(id).Should().NotBe(cluster.ServersFile);
            }
            FluentActions.Invoking(() => cluster.SetServers(0, ["127.0.0.1:1", cluster.Addresses[1], cluster.Addresses[2]]))
                .Should().Throw<ArgumentException>("a node's own line must be its real address");

            await cluster.StartAllAsync(ct);
            await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
            await using var client = cluster.CreateClient();
            (await client.SetAsync("through-proxies", Json.Number(1), ct)).Status.Should().Be(ClientStatus.Ok);
            for (var id = 0; id < cluster.Count; id++) await NodeReads.WaitUntilCaughtUpAsync(cluster, id, TimeSpan.FromSeconds(20), ct);

            // Peers dial only the addresses in their own files, so every link went through a proxy.
            proxies.Should().OnlyContain(p => p.ConnectionsAccepted > 0, "each node dials each peer through its proxy");
        }
        finally
        {
            foreach (var p in proxies) await p.DisposeAsync();
        }
    }, start: false);
}
