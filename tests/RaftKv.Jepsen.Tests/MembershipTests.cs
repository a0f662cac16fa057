using System.Diagnostics;
using System.Text.Json;
using RaftKv.Client;
using RaftKv.Jepsen.Tests.Runs;
using RaftKv.Jepsen.Tests.Workload;
using RaftKv.Protocol;
using RaftKv.Linearizability;
using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Jepsen.Tests;

/// <summary>
/// Runtime membership with real processes, driven by the real raftctl: grow, shrink, replace a dead node, remove
/// the leader, and bring back a node that was removed while it was down. Every run under a continuous load whose
/// history is checked for linearizability; the longest gap between acknowledged writes is reported per change.
/// </summary>
public sealed class MembershipTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    /// <summary>Acknowledgement times of a writer that writes one key after another, to measure write availability.</summary>
    private sealed class GapProbe
    {
        private readonly List<long> _acks = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public TimeSpan Now => _clock.Elapsed;

        public async Task RunAsync(IReadOnlyList<string> servers, CancellationToken stop)
        {
            await using var client = new RaftClient(new RaftClientOptions { Servers = servers, Timeout = TimeSpan.FromSeconds(5), RequestTimeout = TimeSpan.FromSeconds(1) });
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var r = await client.SetAsync("gap-probe", JsonSerializer.SerializeToElement(++n), CancellationToken.None);
                    if (r.Status == ClientStatus.Ok) lock (_acks) _acks.Add(_clock.ElapsedTicks);
                }
                catch (ClusterUnavailableException)
                {
                    // counted as a gap
                }
            }
        }

        /// <summary>The longest time without an acknowledged write between <paramref name="from"/> and <paramref name="to"/>.</summary>
        public TimeSpan LongestGap(TimeSpan from, TimeSpan to)
        {
            long[] acks;
            lock (_acks) acks = [.. _acks];
            var times = acks.Select(t => TimeSpan.FromSeconds((double)t / Stopwatch.Frequency)).Where(t => t >= from && t <= to).Prepend(from).Append(to).ToList();
            return times.Zip(times.Skip(1), (a, b) => b - a).Max();
        }
    }

    private async Task<ProcessResult> Raftctl(LocalCluster cluster, CancellationToken ct, params string[] args)
    {
        var result = await Binaries.RunRaftctlAsync(["--servers", cluster.ServersFile, "--timeout", "30", .. args], TimeSpan.FromSeconds(90), ct);
        output.WriteLine($"raftctl {string.Join(' ', args)} -> {result.ExitCode} {result.StandardOutput.Trim()} {result.StandardError.Trim()}");
        return result;
    }

    private async Task ChangeAsync(LocalCluster cluster, GapProbe probe, List<string> gaps, string what, CancellationToken ct, params string[] args)
    {
        var start = probe.Now;
        var result = await Raftctl(cluster, ct, args);
        result.ExitCode.Should().Be(0, $"{what}: {result}");
        // Let the load run a little past the change, so a disruption right after it shows up as a gap.
        var after = probe.Now + TimeSpan.FromMilliseconds(500);
        while (probe.Now < after) await Task.Delay(50, ct);
        var gap = probe.LongestGap(start, probe.Now);
        gaps.Add($"{what}: took {(probe.Now - start - TimeSpan.FromMilliseconds(500)).TotalMilliseconds:0} ms, longest write gap {gap.TotalMilliseconds:0} ms");
    }

    private static async Task<JsonElement[]> MembersAsync(Func<Task<ProcessResult>> list)
    {
        var result = await list();
        result.ExitCode.Should().Be(0, result.ToString());
        return [.. JsonDocument.Parse(result.StandardOutput).RootElement.EnumerateArray()];
    }

    private static string Roles(JsonElement[] members) =>
        string.Join(",", members.Select(m => $"{m.GetProperty("id").GetInt32()}:{m.GetProperty("role").GetString()}"));

    private void Report(KvWorkload workload, CheckResult check, List<string> gaps)
    {
        output.WriteLine($"operations: {workload.Counts}");
        output.WriteLine($"linearizability: {check.IsLinearizable} ({check.OperationsChecked} operations checked in {check.Elapsed.TotalSeconds:0.0}s)");
        foreach (var g in gaps) output.WriteLine(g);
        foreach (var s in workload.Surprises) output.WriteLine($"surprise: {s}");
        Console.WriteLine(string.Join("\n", gaps.Prepend($"operations: {workload.Counts}; linearizable: {check.IsLinearizable}")));
    }

    [Fact]
    public async Task Cluster_grows_from_three_to_five_and_shrinks_back_removing_the_leader_under_load_and_stays_linearizable()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var history = new History();
        await using var cluster = LocalCluster.Create(new LocalClusterOptions { NodeCount = 5, BootstrapCount = 3 });
        for (var id = 0; id < 3; id++) cluster.Start(id);
        await cluster.WaitForLeaderAsync(Settle, ct);

        var bootstrap = cluster.Addresses.Take(3).ToArray();
        var keys = KvWorkload.Keys(6);
        var workload = new KvWorkload(bootstrap, keys, 31, history) { MaxPauseMs = 5 };
        var probe = new GapProbe();
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(workload.RunAsync(4, stop.Token), probe.RunAsync(bootstrap, stop.Token));
        var gaps = new List<string>();
        try
        {
            // Grow: two spare nodes join (servers.txt does not list them) and are added, then promoted, one at a time.
            cluster.Start(3);
            cluster.Start(4);
            await cluster.WaitForLogAsync(3, "neither votes nor campaigns", Settle, ct);
            foreach (var id in new[] { 3, 4 })
            {
                await ChangeAsync(cluster, probe, gaps, $"add learner {id}", ct, "member", "add", $"{id}", cluster.Addresses[id]);
                await ChangeAsync(cluster, probe, gaps, $"promote {id}", ct, "member", "promote", $"{id}");
            }
            var grown = await MembersAsync(() => Raftctl(cluster, ct, "member", "list", "--json"));
            Roles(grown).Should().Be("0:voter,1:voter,2:voter,3:voter,4:voter");
            grown.Select(m => m.GetProperty("address").GetString()).Should().Equal(cluster.Addresses);
            grown.Count(m => m.GetProperty("isLeader").GetBoolean()).Should().Be(1);

            // Shrink: remove the leader first (leadership moves, then it is removed), then one more bootstrap node.
            var leader = (await cluster.WaitForLeaderAsync(Settle, ct)).Id;
            var second = new[] { 0, 1, 2 }.First(id => id != leader);
            await ChangeAsync(cluster, probe, gaps, $"remove the leader {leader}", ct, "member", "remove", $"{leader}");
            await ChangeAsync(cluster, probe, gaps, $"remove {second}", ct, "member", "remove", $"{second}");

            var shrunk = await MembersAsync(() => Raftctl(cluster, ct, "member", "list", "--json"));
            shrunk.Select(m => m.GetProperty("id").GetInt32()).Should().BeEquivalentTo(Enumerable.Range(0, 5).Except([leader, second]));
            shrunk.Should().OnlyContain(m => m.GetProperty("role").GetString() == "voter");
            foreach (var removed in new[] { leader, second })
            {
                try
                {
                    await cluster.WaitForLogAsync(removed, "was removed from the cluster", Settle, ct);
                }
                catch (TimeoutException e)
                {
                    // The news comes from the leader that committed the removal: its log says what it sent.
                    var others = string.Join("\n", Enumerable.Range(0, 5).Where(id => id != removed)
                        .Select(id => $"--- node {id} ---\n{cluster.Node(id).Output.Tail()}"));
                    throw new TimeoutException($"{e.Message}\n{others}", e);
                }
            }

            // raftctl with the old servers.txt still works: one listed node (the survivor) answers and names the rest.
            var status = await Raftctl(cluster, ct, "status", "--json");
            status.ExitCode.Should().Be(0, status.ToString());
            JsonDocument.Parse(status.StandardOutput).RootElement.GetArrayLength().Should().Be(5, "status lists servers.txt and the members it learned of");
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }

        var check = LinearizabilityChecker.Check(history.Operations, TimeSpan.FromSeconds(90));
        Report(workload, check, gaps);
        check.IsLinearizable.Should().BeTrue(check.Counterexample);
        workload.Counts[OpKind.Set, OpOutcome.Ok].Should().BeGreaterThan(50, "the load ran throughout");
        for (var id = 0; id < 5; id++) cluster.Node(id).Output.Contains("crit:").Should().BeFalse($"node {id} logged a critical error");
    }

    [Fact]
    public async Task Dead_node_is_replaced_by_a_new_one_that_joins_catches_up_and_is_promoted_and_the_dead_node_cannot_disrupt_when_it_returns()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var history = new History();
        await using var cluster = LocalCluster.Create(new LocalClusterOptions { NodeCount = 4, BootstrapCount = 3 });
        for (var id = 0; id < 3; id++) cluster.Start(id);
        var leader = (await cluster.WaitForLeaderAsync(Settle, ct)).Id;

        // Some state for the new node to catch up on.
        await using (var client = cluster.CreateClient())
        {
            var value = JsonSerializer.SerializeToElement(new string('x', 1000));
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async w =>
            {
                for (var i = 0; i < 250; i++) (await client.SetAsync($"state-{w}-{i}", value, ct)).Status.Should().Be(ClientStatus.Ok);
            }));
        }
        const string stateSize = "2,000 keys of 1 KB";

        var bootstrap = cluster.Addresses.Take(3).ToArray();
        var workload = new KvWorkload(bootstrap, KvWorkload.Keys(6), 41, history) { MaxPauseMs = 5 };
        var probe = new GapProbe();
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(workload.RunAsync(3, stop.Token), probe.RunAsync(bootstrap, stop.Token));
        var gaps = new List<string>();
        var dead = new[] { 0, 1, 2 }.First(id => id != leader);
        try
        {
            await cluster.KillAsync(dead, ct);
            await ChangeAsync(cluster, probe, gaps, $"remove dead node {dead}", ct, "member", "remove", $"{dead}");
            await ChangeAsync(cluster, probe, gaps, "add learner 3", ct, "member", "add", "3", cluster.Addresses[3]);
            var started = Stopwatch.StartNew();
            cluster.Start(3);
            await ChangeAsync(cluster, probe, gaps, "promote 3 (waits for its catch-up)", ct, "member", "promote", "3");
            gaps.Add($"new node: from start to promoted voter {started.ElapsedMilliseconds} ms with {stateSize} to catch up");

            var members = await MembersAsync(() => Raftctl(cluster, ct, "member", "list", "--json"));
            members.Select(m => m.GetProperty("id").GetInt32()).Order().Should().Equal(new[] { 0, 1, 2, 3 }.Where(id => id != dead));
            (await cluster.TryStatusAsync(3, ct))!.AppliedIndex.Should().BeGreaterThan(2000, "the new member caught up");

            // The removed node comes back with its old data: it never learned of its removal, campaigns with PreVote,
            // and must not disturb the leader.
            var before = await cluster.WaitForLeaderAsync(Settle, ct, except: [dead]);
            var mark = cluster.Node(dead).Output.LineCount;
            cluster.Start(dead);
            await cluster.WaitForLogAsync(dead, "pre-vote", Settle, ct, mark);
            (await cluster.TryStatusAsync(dead, ct))?.Term.Should().BeLessThanOrEqualTo(before.Term, "pre-votes do not raise its term");
            var after = await cluster.WaitForLeaderAsync(Settle, ct, except: [dead]);
            after.Should().Be(before, "a removed node's campaigns must not depose the leader or raise its term");
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }

        var check = LinearizabilityChecker.Check(history.Operations, TimeSpan.FromSeconds(90));
        Report(workload, check, gaps);
        check.IsLinearizable.Should().BeTrue(check.Counterexample);
        workload.Counts[OpKind.Set, OpOutcome.Ok].Should().BeGreaterThan(20);
    }

    [Fact]
    public async Task Promote_of_a_learner_that_never_catches_up_exits_3_with_the_reason()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        await using var cluster = LocalCluster.Create(new LocalClusterOptions { NodeCount = 4, BootstrapCount = 3 });
        for (var id = 0; id < 3; id++) cluster.Start(id);
        await cluster.WaitForLeaderAsync(Settle, ct);

        (await Raftctl(cluster, ct, "member", "add", "3", cluster.Addresses[3])).ExitCode.Should().Be(0);
        // Node 3 is never started.
        var promote = await Binaries.RunRaftctlAsync(["--servers", cluster.ServersFile, "--timeout", "2", "member", "promote", "3"], TimeSpan.FromSeconds(60), ct);

        promote.ExitCode.Should().Be(3, promote.ToString());
        promote.StandardError.Should().Contain("node 3 was not promoted within 2s").And.Contain("learner 3");
        var members = await MembersAsync(() => Raftctl(cluster, ct, "member", "list", "--json"));
        Roles(members).Should().Be("0:voter,1:voter,2:voter,3:learner");
        members.Single(m => m.GetProperty("id").GetInt32() == 3).GetProperty("reachable").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Transfer_leader_moves_leadership_to_the_named_voter()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3 }, ct);
        var leader = await cluster.WaitForLeaderAsync(Settle, ct);
        var target = (leader.Id + 1) % 3;

        var result = await Raftctl(cluster, ct, "transfer-leader", $"{target}");

        result.ExitCode.Should().Be(0, result.ToString());
        result.StandardOutput.Should().Contain($"node {target} is the leader");
        var now = await cluster.WaitForLeaderAsync(Settle, ct);
        now.Id.Should().Be(target);
        now.Term.Should().BeGreaterThan(leader.Term);
        var refused = await Raftctl(cluster, ct, "transfer-leader", "7");
        refused.ExitCode.Should().Be(2, refused.ToString());
        refused.StandardError.Should().Contain("not a voter");
    }
}
