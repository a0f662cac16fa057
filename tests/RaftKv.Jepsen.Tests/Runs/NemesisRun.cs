using System.Diagnostics;
using System.Globalization;
using RaftKv.Jepsen.Tests.Workload;
using RaftKv.Testing.Faults;
using RaftKv.Linearizability;
using RaftKv.Testing.Processes;

namespace RaftKv.Jepsen.Tests.Runs;

/// <summary>
/// A Jepsen-style run: raftnode processes with a fault proxy between every ordered pair of peers, concurrent
/// clients recording a history, a nemesis injecting faults; then heal, wait for every node to apply the same
/// log, and check (a) the history is linearizable, (b) final linearizable reads of every key (part of the
/// history, so every acknowledged write is either there or overwritten by a later one), (c) every node's
/// state machine is identical, (d) no node died on its own, (e) the compare-and-set counter's final value
/// counts every acknowledged increment once. The mixed clients also do compare-and-set and transactions.
/// </summary>
public static class NemesisRun
{
    public static async Task<NemesisRunReport> RunAsync(NemesisRunOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var problems = new List<string>();
        var history = new History();
        log($"nemesis run: {options}");

        await using var cluster = LocalCluster.Create(new LocalClusterOptions { NodeCount = options.Nodes });
        await using var mesh = ProxyMesh.Start(cluster.Addresses);
        for (var node = 0; node < cluster.Count; node++) cluster.SetServers(node, mesh.ServersFor(node));
        await cluster.StartAllAsync(cancellationToken);
        var first = await cluster.WaitForLeaderAsync(ClusterChecks.SettleTimeout, cancellationToken);
        log($"cluster {cluster.ClusterId} up in {clock.Elapsed.TotalSeconds:0.0}s, leader node {first.Id}; clients go to {string.Join(" ", cluster.Addresses)}, peers through {mesh.All.Count()} proxies");

        var keys = KvWorkload.Keys(options.Keys);
        var workload = new KvWorkload(cluster.Addresses, keys, options.Seed, history) { TxnPercent = 6 };
        var counter = new CounterWorkload(workload, options.Seed);
        var nemesis = new Nemesis(cluster, mesh, options.Seed, options.Faults, log);
        CheckResult? check = null;
        try
        {
            using var stopStarting = new CancellationTokenSource();
            var clients = Task.WhenAll(
                workload.RunAsync(options.Clients, stopStarting.Token),
                counter.RunAsync(options.CounterClients, options.Clients + 1, stopStarting.Token));
            try
            {
                await nemesis.RunAsync(options.Duration, cancellationToken);
            }
            finally
            {
                await nemesis.HealAsync(cancellationToken);
            }
            log($"healed at {clock.Elapsed.TotalSeconds:0.0}s; the workload goes on for a moment on the healed cluster");
            await ClusterChecks.WaitForLeaderOrNoteAsync(cluster, problems, "after healing", cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            await stopStarting.CancelAsync();
            await clients;

            // Converge first, so that no late write can commit between the final reads and the state comparison.
            await ClusterChecks.WaitForConvergenceAsync(cluster, problems, cancellationToken);
            var final = await ClusterChecks.FinalReadsAsync(
                cluster, workload, options.Clients, [.. keys, .. KvWorkload.TxnKeys, CounterWorkload.Key], problems, cancellationToken);
            if (final.TryGetValue(CounterWorkload.Key, out var counterValue) && counter.Verify(counterValue) is { } lost) problems.Add(lost);
            await ClusterChecks.CompareStatesAsync(cluster, final, problems, cancellationToken);
            problems.AddRange(nemesis.Crashes.Select(c => $"crash: {c}"));
            for (var node = 0; node < cluster.Count; node++)
            {
                if (cluster.Node(node).Output.Contains("crit:"))
                    problems.Add($"node {node} logged a critical error; see {cluster.NodeLogFile(node)}");
            }

            log($"operations: {workload.Counts}");
            log(counter.ToString());
            foreach (var surprise in workload.Surprises) log($"client surprise: {surprise}");
            check = LinearizabilityChecker.Check(history.Operations, options.CheckTimeout);
            log($"linearizability: {(check.IsLinearizable ? "linearizable" : check.TimedOut ? "UNDECIDED (timed out)" : "NOT LINEARIZABLE")}, {check.OperationsChecked} operations checked in {check.Elapsed.TotalSeconds:0.0}s");
            if (!check.IsLinearizable) problems.Add(check.Counterexample ?? "not linearizable");
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            problems.Add($"{e.GetType().Name}: {e.Message}");
        }

        string? saved = null;
        if (problems.Count > 0)
        {
            saved = await ClusterChecks.SaveFailureAsync(cluster, history, $"seed{options.Seed}-{options.Nodes}n", problems);
            log($"FAILED: history saved to {saved}");
            log($"replay: {options.ReplayCommand}");
        }

        log($"run took {clock.Elapsed.TotalSeconds:0.0}s; {nemesis.Injected.Count} faults injected");
        return new NemesisRunReport(options, nemesis.Injected, workload.Counts, counter, check, problems, saved, clock.Elapsed);
    }
}
