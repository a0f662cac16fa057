using System.Net.Sockets;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>--listen binds a different address from the one advertised in servers.txt (a machine's 0.0.0.0 or [::]).</summary>
[Collection(ClusterCollection.Name)]
public sealed class ListenTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("0.0.0.0")]
    [InlineData("[::]")]
    public async Task Nodes_bound_to_every_address_serve_peers_and_clients_at_their_advertised_address(string any)
    {
        if (any == "[::]") Skip.IfNot(Socket.OSSupportsIPv6, "this machine has no IPv6: the [::] variant cannot run");
        LocalCluster? created = null;
        var options = new LocalClusterOptions
        {
            NodeArguments = id => ["--listen", $"{any}:{created!.Addresses[id].Split(':')[^1]}"],
        };
        created = LocalCluster.Create(options);
        await using var cluster = created;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = deadline.Token;
        await cluster.StartAllAsync(ct);

        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);
        var set = await Raftctl.RunAsync(cluster, ct, "set", "k", "v");
        set.ExitCode.Should().Be(0, set.ToString());
        for (var id = 0; id < cluster.Count; id++)
        {
            var port = cluster.Addresses[id].Split(':')[^1];
            cluster.NodeLog(id).Should().Contain($"listening on {any}:{port}");
            cluster.NodeLog(id).Should().Contain($"starting at {cluster.Addresses[id]}", "the advertised address stays the one in servers.txt");
        }
        output.WriteLine(cluster.NodeLog(0));
    }
}
