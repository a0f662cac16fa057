using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RaftKv.Cluster.Tests.Support;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// A cluster whose servers.txt advertises IPv6 addresses ([::1]:port): peers dial each other over IPv6, raftctl finds
/// the leader over IPv6, member list shows the bracketed addresses, and a new leader is elected over IPv6 after kill -9.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class Ipv6Tests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task A_cluster_advertising_ipv6_addresses_elects_serves_raftctl_and_survives_the_loss_of_its_leader()
    {
        Skip.IfNot(Socket.OSSupportsIPv6 && CanBindIpv6Loopback(), "this machine cannot bind [::1]: the IPv6 cluster cannot run");
        var addresses = FreeIpv6LoopbackPorts(3).Select(p => $"[::1]:{p}").ToArray();
        await using var cluster = LocalCluster.Create(new LocalClusterOptions { Addresses = addresses });
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = deadline.Token;
        await cluster.StartAllAsync(ct);
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct);

        var set = await Raftctl.RunAsync(cluster, ct, "set", "k", "v6");
        set.ExitCode.Should().Be(0, set.ToString());
        var get = await Raftctl.RunAsync(cluster, ct, "get", "k");
        get.ExitCode.Should().Be(0, get.ToString());
        get.StandardOutput.Trim().Should().Be("\"v6\"");

        var members = await Raftctl.RunAsync(cluster, ct, "member", "list", "--json");
        members.ExitCode.Should().Be(0, members.ToString());
        using (var list = JsonDocument.Parse(members.StandardOutput))
        {
            list.RootElement.EnumerateArray().Select(m => m.GetProperty("address").GetString()).Should().BeEquivalentTo(addresses);
            list.RootElement.EnumerateArray().Should().OnlyContain(m => m.GetProperty("reachable").GetBoolean());
        }

        await cluster.KillAsync(leader.Id, ct);
        var next = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), ct, except: [leader.Id]);
        next.Id.Should().NotBe(leader.Id);
        var after = await Raftctl.RunAsync(cluster, ct, "--timeout", "20", "set", "k", "after");
        after.ExitCode.Should().Be(0, after.ToString());
        output.WriteLine($"leader {leader.Id} killed; node {next.Id} leads term {next.Term} over IPv6; {string.Join(", ", addresses)}");
        for (var id = 0; id < cluster.Count; id++)
            if (id != leader.Id) cluster.NodeLog(id).Should().Contain($"starting at {addresses[id]}");
    }

    private static bool CanBindIpv6Loopback()
    {
        try
        {
            using var probe = new TcpListener(IPAddress.IPv6Loopback, 0);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int[] FreeIpv6LoopbackPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.IPv6Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners) l.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }
}
