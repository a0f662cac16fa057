using System.Diagnostics;
using System.Text.Json;
using RaftKv.Jepsen.Tests.Support;
using RaftKv.Jepsen.Tests.Workload;
using RaftKv.Linearizability;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Jepsen.Tests;

/// <summary>
/// Nodes as separate hosts: each raftnode in its own network namespace on a bridge, with 5–20 ms of netem delay and
/// 1% loss on every interface, and the leader cut off in the middle of a membership change. Needs root and iproute2;
/// skips, saying why, only when the namespaces cannot be made.
/// </summary>
public sealed class NamespaceTests(ITestOutputHelper output)
{
    private const string Netem = "delay 12ms 7ms loss 1%";

    private void Say(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    [SkippableFact]
    public async Task Leader_partitioned_during_a_promotion_across_namespaces_with_delay_and_loss_leaves_a_linearizable_cluster_with_the_new_voter()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        var (network, whyNot) = await NamespaceNetwork.TryCreateAsync(4, Netem, ct);
        if (network is null) Say($"SKIPPED: {whyNot}");
        Skip.If(network is null, whyNot);
        await using var net = network!;
        if (net.NetemUnavailable is { } noNetem)
            Say($"NOTE: {noNetem}; the nodes are in separate namespaces but without delay or loss (this kernel has no sch_netem)");
        else
            Say($"netem on every node: {Netem}");

        var addresses = Enumerable.Range(0, 4).Select(net.Address).ToArray();
        await using var cluster = LocalCluster.Create(new LocalClusterOptions
        {
            NodeCount = 4,
            BootstrapCount = 3,
            Addresses = addresses,
            NetworkNamespace = net.Namespace,
            // Round trips of up to 40 ms and lost packets: the loopback timings would elect all the time.
            HeartbeatMs = 100,
            ElectionTimeoutMs = 1000,
        });
        for (var i = 0; i < 3; i++) cluster.Start(i);
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60), ct);

        var history = new History();
        var bootstrap = addresses[..3];
        var workload = new KvWorkload(bootstrap, KvWorkload.Keys(5), 51, history) { MaxPauseMs = 10 };
        using var stop = new CancellationTokenSource();
        var load = workload.RunAsync(3, stop.Token);
        try
        {
            var add = await Raftctl(cluster, ct, "member", "add", "3", addresses[3]);
            add.ExitCode.Should().Be(0, add.ToString());
            cluster.Start(3);
            await cluster.WaitForStatusAsync(3, s => s.Learners.Contains(3) && s.AppliedIndex > 0, "learner 3 receiving the log", TimeSpan.FromSeconds(60), ct);

            // The promotion starts, and the leader is cut off while it is under way.
            var leader = (await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60), ct)).Id;
            var clock = Stopwatch.StartNew();
            var promote = Raftctl(cluster, ct, "--timeout", "90", "member", "promote", "3");
            await net.IsolateAsync(leader, ct);
            Say($"isolated leader {leader} at {clock.ElapsedMilliseconds} ms into the promotion");
            var next = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60), ct, except: [leader]);
            Say($"node {next.Id} leads in term {next.Term} after {clock.ElapsedMilliseconds} ms");
            var promoted = await promote;
            promoted.ExitCode.Should().Be(0, promoted.ToString());
            Say($"promotion done after {clock.ElapsedMilliseconds} ms");

            await net.HealAsync(leader, ct);
            foreach (var id in Enumerable.Range(0, 4))
                await cluster.WaitForStatusAsync(id, s => s.Voters.SequenceEqual([0, 1, 2, 3]), "voters 0,1,2,3", TimeSpan.FromSeconds(60), ct);
            var list = await Raftctl(cluster, ct, "member", "list", "--json");
            list.ExitCode.Should().Be(0, list.ToString());
            JsonDocument.Parse(list.StandardOutput).RootElement.EnumerateArray().Select(m => m.GetProperty("role").GetString()).Should().OnlyContain(r => r == "voter");
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }

        var check = LinearizabilityChecker.Check(history.Operations, TimeSpan.FromSeconds(90));
        Say($"operations: {workload.Counts}; linearizable: {check.IsLinearizable} ({check.OperationsChecked} checked)");
        check.IsLinearizable.Should().BeTrue(check.Counterexample);
        workload.Counts[OpKind.Set, OpOutcome.Ok].Should().BeGreaterThan(10);
    }

    private async Task<ProcessResult> Raftctl(LocalCluster cluster, CancellationToken ct, params string[] args)
    {
        var result = await Binaries.RunRaftctlAsync(["--servers", cluster.ServersFile, .. args], TimeSpan.FromSeconds(120), ct);
        Say($"raftctl {string.Join(' ', args)} -> {result.ExitCode} {result.StandardOutput.Trim()} {result.StandardError.Trim()}");
        return result;
    }
}
