using System.Diagnostics;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Jepsen.Tests.Support;
using RaftKv.Jepsen.Tests.Workload;
using RaftKv.Linearizability;
using RaftKv.Protocol;
using RaftKv.Testing.Faults;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Jepsen.Tests;

/// <summary>
/// Nodes as separate hosts: each raftnode in its own network namespace on a bridge, with 5–20 ms of delay and 1% loss
/// between them, and the leader cut off in the middle of a membership change (it takes a promotion while its followers
/// are cut off, and is cut off itself with the change uncommitted; the followers' new leader must make it again), under
/// a load whose history must be linearizable. The delay and loss come from tc netem on
/// every node's interface when the kernel has sch_netem; otherwise from user-space proxies on the bridge
/// (<see cref="BridgeProxies"/>, <see cref="LinkEmulation.Wan"/>: 5–20 ms per chunk, 1% of chunks held back a
/// 200 ms retransmission timeout, which models TCP's stall on a lost segment but is not packet loss). The output says
/// which one ran, and the test fails if no delay was measured. Needs root and iproute2; skips, saying why, only when
/// the namespaces cannot be made.
/// </summary>
public sealed class NamespaceTests(ITestOutputHelper output)
{
    private const string Netem = "delay 12ms 7ms loss 1%";

    /// <summary>The shortest one-way delay either way of adding it gives (netem: 12 ms ± 7 ms; proxies: 5–20 ms).</summary>
    private static readonly TimeSpan MinimumOneWayDelay = TimeSpan.FromMilliseconds(5);

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
        var seed = Random.Shared.Next(1, 1_000_000);
        // Without netem, every node is reached through its proxy on the bridge: it advertises the proxy and binds its
        // namespace address with --listen. With netem, nodes and clients use the namespace addresses directly.
        await using var proxies = net.NetemUnavailable is null ? null : await BridgeProxies.StartAsync(net, 4, LinkEmulation.Wan, seed, ct);
        if (proxies is null)
        {
            Say($"delay and loss: netem ({Netem} on every node's interface)");
        }
        else
        {
            Say($"delay and loss: user-space proxies ({net.NetemUnavailable})");
            Say($"  each proxy, both ways: {proxies.Link}; seed {seed}");
            Say($"  what the loss stands for: {LinkEmulation.Caveat}");
        }

        var addresses = Enumerable.Range(0, 4).Select(i => proxies?.Address(i) ?? net.Address(i)).ToArray();
        await using var cluster = LocalCluster.Create(new LocalClusterOptions
        {
            NodeCount = 4,
            BootstrapCount = 3,
            Addresses = addresses,
            NetworkNamespace = net.Namespace,
            NodeArguments = i => proxies is null ? [] : ["--listen", net.Address(i)],
            // Round trips of up to 40 ms and lost packets (or 200 ms stalls): the loopback timings would elect all the time.
            HeartbeatMs = 100,
            // Also the time the leader has, with its followers cut off, to take the promotion before CheckQuorum deposes it.
            ElectionTimeoutMs = 1500,
        });
        for (var i = 0; i < 3; i++) cluster.Start(i);
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60), ct);
        await CheckDelayAppliesAsync(cluster, net, proxies, ct);

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

            // The promotion is under way when the leader is cut off: the leader takes it while its two followers are
            // cut off, so the change sits in its log uncommitted (a majority of voters 0,1,2 cannot answer); then the
            // leader is cut off and the followers come back. They elect one of themselves, whose log lacks the change,
            // so the leader's (and learner 3's) copy of it is overwritten, and the client's retry must promote 3 anew.
            var first = (await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60), ct)).Id;
            var leaderCommit = (await cluster.WaitForStatusAsync(first, _ => true, "a status", TimeSpan.FromSeconds(10), ct)).CommitIndex;
            await cluster.WaitForStatusAsync(3, s => s.AppliedIndex >= leaderCommit, $"learner 3 caught up to index {leaderCommit}", TimeSpan.FromSeconds(60), ct);
            // In process rather than raftctl: the promotion must reach the leader before CheckQuorum deposes it (one
            // election timeout after its followers go), and starting a process can take seconds on a loaded machine.
            // The client asks for the member list first, so it knows the leader and sends the promotion straight there.
            await using var admin = cluster.CreateClient(timeout: TimeSpan.FromSeconds(90), requestTimeout: TimeSpan.FromSeconds(3));
            (await admin.MemberListAsync(ct)).Status.Should().Be(ClientStatus.Ok);
            var leader = admin.KnownLeader ?? throw new InvalidOperationException("the member list came from a node the client does not know as the leader");
            var followers = Enumerable.Range(0, 3).Where(i => i != leader).ToArray();

            var logLine = cluster.Node(leader).Output.LineCount;
            var clock = Stopwatch.StartNew();
            foreach (var f in followers) await IsolateAsync(net, proxies, f, ct);
            var promote = admin.MemberPromoteAsync(3, ct);
            await cluster.WaitForLogAsync(leader, "Proposed membership change: promote 3 to voter", TimeSpan.FromSeconds(30), ct, logLine);
            var pending = await PendingConfigChangeAsync(admin, leader, ct);
            await IsolateAsync(net, proxies, leader, ct);
            Say($"cut off followers {string.Join(" and ", followers)}; leader {leader} ({pending.Role}) took the promotion at index {pending.Index}, commit {pending.Commit}; cut off leader {leader} {clock.ElapsedMilliseconds} ms after its followers");
            pending.Index.Should().BeGreaterThan(pending.Commit, "the change is under way, not committed, when the leader is cut off");
            foreach (var f in followers) await HealAsync(net, proxies, f, ct);

            var next = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60), ct, except: [leader]);
            Say($"node {next.Id} leads in term {next.Term} after {clock.ElapsedMilliseconds} ms");
            var promoted = await promote;
            promoted.Status.Should().Be(ClientStatus.Ok, promoted.Error);
            // The followers never saw the leader's copy (they were cut off before it was made), so the promotion that
            // took effect is a new entry of a later term: the one under way was overwritten, not finished.
            // Leader Completeness: whoever leads now holds the committed promotion.
            var redone = await LastConfigChangeAsync(admin, null, pending.Commit + 1, ct);
            Say($"promotion done after {clock.ElapsedMilliseconds} ms, at index {redone.Index} in term {redone.Term} (the one under way was index {pending.Index}, term {pending.Term})");
            redone.Term.Should().BeGreaterThan(pending.Term, "the new leader cannot have inherited an entry its voters never received");

            await HealAsync(net, proxies, leader, ct);
            foreach (var id in Enumerable.Range(0, 4))
                await cluster.WaitForStatusAsync(id, s => s.Voters.SequenceEqual([0, 1, 2, 3]), "voters 0,1,2,3", TimeSpan.FromSeconds(60), ct);
            var list = await Raftctl(cluster, ct, "member", "list", "--json");
            list.ExitCode.Should().Be(0, list.ToString());
            JsonDocument.Parse(list.StandardOutput).RootElement.EnumerateArray().Select(m => m.GetProperty("role").GetString()).Should().OnlyContain(r => r == "voter");

            // Enough history for the checker, and (with the proxies) enough chunks that 1% of them surely includes
            // some held back: 0.99^3000 is about 1e-13.
            await WaitUntilAsync(
                () => workload.Counts.Total(OpOutcome.Ok) >= 300 && (proxies is null || proxies.ChunksDelayed >= 3000),
                () => $"300 operations done and 3000 chunks through the proxies (now {workload.Counts.Total(OpOutcome.Ok)} and {proxies?.ChunksDelayed})",
                TimeSpan.FromSeconds(120), ct);
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

        if (proxies is not null)
        {
            Say($"proxies: {proxies.Describe()}");
            // About 1% of thousands of chunks: none held back would mean the loss model never ran.
            proxies.ChunksDelayed.Should().BeGreaterThanOrEqualTo(3000, "every peer message and client request went through a proxy");
            proxies.ChunksHeldBack.Should().BeGreaterThan(0, $"1% of {proxies.ChunksDelayed} chunks should have been held back");
        }
    }

    /// <summary>
    /// The delay is really there: the quickest of several status round trips to each node takes at least the
    /// shortest one-way delay (netem delays the reply; a proxy delays the request and the reply). Without the proxies'
    /// or netem's delay, a round trip over the bridge takes well under a millisecond.
    /// </summary>
    private async Task CheckDelayAppliesAsync(LocalCluster cluster, NamespaceNetwork net, BridgeProxies? proxies, CancellationToken ct)
    {
        for (var i = 0; i < 3; i++)
        {
            var delayed = await QuickestStatusAsync(cluster.Addresses, i, ct);
            if (proxies is not null)
            {
                var direct = await QuickestStatusAsync(Enumerable.Range(0, 4).Select(net.Address).ToArray(), i, ct);
                Say($"node {i}: quickest status round trip {delayed.TotalMilliseconds:0.0} ms through its proxy, {direct.TotalMilliseconds:0.00} ms straight over the bridge");
            }
            else
            {
                Say($"node {i}: quickest status round trip {delayed.TotalMilliseconds:0.0} ms");
            }
            delayed.Should().BeGreaterThanOrEqualTo(MinimumOneWayDelay, $"node {i}'s replies must be delayed");
        }
        if (proxies is not null) proxies.ChunksDelayed.Should().BeGreaterThan(0, "the proxies delayed the round trips just made");
    }

    /// <summary>The shortest of ten status round trips to node <paramref name="id"/> at <paramref name="servers"/>, after one to connect.</summary>
    private static async Task<TimeSpan> QuickestStatusAsync(IReadOnlyList<string> servers, int id, CancellationToken ct)
    {
        await using var client = new RaftClient(new RaftClientOptions { Servers = servers, Timeout = TimeSpan.FromSeconds(20), RequestTimeout = TimeSpan.FromSeconds(5) });
        (await client.StatusAsync(id, ct)).Status.Should().Be(ClientStatus.Ok);
        var quickest = TimeSpan.MaxValue;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var clock = Stopwatch.StartNew();
            var response = await client.StatusAsync(id, ct);
            var took = clock.Elapsed;
            response.Status.Should().Be(ClientStatus.Ok);
            if (took < quickest) quickest = took;
        }
        return quickest;
    }

    /// <summary>Cuts node <paramref name="node"/> off: its bridge port goes down, and its proxy (if any) drops what it holds for it.</summary>
    private static async Task IsolateAsync(NamespaceNetwork net, BridgeProxies? proxies, int node, CancellationToken ct)
    {
        proxies?.Cut(node);
        await net.IsolateAsync(node, ct);
    }

    private static async Task HealAsync(NamespaceNetwork net, BridgeProxies? proxies, int node, CancellationToken ct)
    {
        await net.HealAsync(node, ct);
        proxies?.Heal(node);
    }

    /// <summary>The last membership change in <paramref name="node"/>'s log above its commit index, with the node's commit index and role.</summary>
    private static async Task<(long Index, long Term, long Commit, string Role)> PendingConfigChangeAsync(RaftClient client, int node, CancellationToken ct)
    {
        var status = await client.StatusAsync(node, ct);
        status.Status.Should().Be(ClientStatus.Ok, status.Error);
        var (index, term) = await LastConfigChangeAsync(client, node, status.Node!.CommitIndex + 1, ct);
        return (index, term, status.Node.CommitIndex, status.Node.Role);
    }

    /// <summary>The last membership change from index <paramref name="from"/> in <paramref name="node"/>'s log (null: the leader's).</summary>
    private static async Task<(long Index, long Term)> LastConfigChangeAsync(RaftClient client, int? node, long from, CancellationToken ct)
    {
        var log = await client.LogAsync(node, from, 10_000, ct);
        log.Status.Should().Be(ClientStatus.Ok, log.Error);
        var change = log.Entries!.LastOrDefault(e => e.Type == "config");
        change.Should().NotBeNull($"{(node is { } n ? $"node {n}" : "the leader")} should hold a membership change from index {from}");
        return (change!.Index, change.Term);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Func<string> what, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException($"not within {timeout.TotalSeconds:0} s: {what()}");
            await Task.Delay(50, ct);
        }
    }

    private async Task<ProcessResult> Raftctl(LocalCluster cluster, CancellationToken ct, params string[] args)
    {
        var result = await Binaries.RunRaftctlAsync(["--servers", cluster.ServersFile, .. args], TimeSpan.FromSeconds(120), ct);
        Say($"raftctl {string.Join(' ', args)} -> {result.ExitCode} {result.StandardOutput.Trim()} {result.StandardError.Trim()}");
        return result;
    }
}
