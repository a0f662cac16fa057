using System.Diagnostics;
using System.Globalization;
using System.Text;
using RaftKv.Jepsen.Tests.Workload;
using RaftKv.Protocol;
using RaftKv.Testing.Faults;
using RaftKv.Testing.Linearizability;
using RaftKv.Testing.Processes;

namespace RaftKv.Jepsen.Tests.Runs;

/// <summary>
/// A Jepsen-style run: raftnode processes with a fault proxy between every ordered pair of peers, concurrent
/// clients recording a history, a nemesis injecting faults; then heal, wait for every node to apply the same
/// log, and check (a) the history is linearizable, (b) final linearizable reads of every key (part of the
/// history, so every acknowledged write is either there or overwritten by a later one), (c) every node's
/// state machine is identical, (d) no node died on its own.
/// </summary>
public static class NemesisRun
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(45);

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
        var first = await cluster.WaitForLeaderAsync(SettleTimeout, cancellationToken);
        log($"cluster {cluster.ClusterId} up in {clock.Elapsed.TotalSeconds:0.0}s, leader node {first.Id}; clients go to {string.Join(" ", cluster.Addresses)}, peers through {mesh.All.Count()} proxies");

        var keys = KvWorkload.Keys(options.Keys);
        var workload = new KvWorkload(cluster.Addresses, keys, options.Seed, history);
        var nemesis = new Nemesis(cluster, mesh, options.Seed, options.Faults, log);
        CheckResult? check = null;
        try
        {
            using var stopStarting = new CancellationTokenSource();
            var clients = workload.RunAsync(options.Clients, stopStarting.Token);
            try
            {
                await nemesis.RunAsync(options.Duration, cancellationToken);
            }
            finally
            {
                await nemesis.HealAsync(cancellationToken);
            }
            log($"healed at {clock.Elapsed.TotalSeconds:0.0}s; the workload goes on for a moment on the healed cluster");
            await WaitForLeaderOrNoteAsync(cluster, problems, "after healing", cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            await stopStarting.CancelAsync();
            await clients;

            // Converge first, so that no late write can commit between the final reads and the state comparison.
            await WaitForConvergenceAsync(cluster, problems, cancellationToken);
            var final = await FinalReadsAsync(cluster, workload, options.Clients, keys, problems, cancellationToken);
            await CompareStatesAsync(cluster, final, problems, cancellationToken);
            problems.AddRange(nemesis.Crashes.Select(c => $"crash: {c}"));
            for (var node = 0; node < cluster.Count; node++)
            {
                if (cluster.Node(node).Output.Contains("crit:"))
                    problems.Add($"node {node} logged a critical error; see {cluster.NodeLogFile(node)}");
            }

            log($"operations: {workload.Counts}");
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
            saved = await SaveFailureAsync(cluster, history, options, problems);
            log($"FAILED: history saved to {saved}");
            log($"replay: {options.ReplayCommand}");
        }

        log($"run took {clock.Elapsed.TotalSeconds:0.0}s; {nemesis.Injected.Count} faults injected");
        return new NemesisRunReport(options, nemesis.Injected, workload.Counts, check, problems, saved, clock.Elapsed);
    }

    /// <summary>Reads every key linearizably, recorded as the last operations of the history, until each read is Ok.</summary>
    private static async Task<Dictionary<string, string?>> FinalReadsAsync(
        LocalCluster cluster, KvWorkload workload, int client, IReadOnlyList<string> keys, List<string> problems, CancellationToken ct)
    {
        var final = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var reader = cluster.CreateClient(timeout: TimeSpan.FromSeconds(10), requestTimeout: TimeSpan.FromSeconds(2));
        foreach (var key in keys)
        {
            for (var attempt = 1; ; attempt++)
            {
                var (outcome, value) = await workload.GetAsync(reader, client, key, ct);
                if (outcome == OpOutcome.Ok)
                {
                    final[key] = value;
                    break;
                }

                if (attempt == 5)
                {
                    problems.Add($"final read of {key} did not succeed in {attempt} attempts on the healed cluster");
                    break;
                }
            }
        }
        return final;
    }

    private static async Task WaitForLeaderOrNoteAsync(LocalCluster cluster, List<string> problems, string when, CancellationToken ct)
    {
        try
        {
            await cluster.WaitForLeaderAsync(SettleTimeout, ct);
        }
        catch (TimeoutException e)
        {
            problems.Add($"no leader {when}: {e.Message}");
        }
    }

    /// <summary>
    /// Waits until every node is up and has applied the same index, which is everything anyone knows committed
    /// and the leader's whole log (so nothing more can commit without a new write).
    /// </summary>
    private static async Task WaitForConvergenceAsync(LocalCluster cluster, List<string> problems, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        NodeStatus?[] statuses = [];
        while (deadline.Elapsed < SettleTimeout)
        {
            statuses = await cluster.StatusAllAsync(ct);
            if (statuses.All(s => s is not null))
            {
                var applied = statuses.Select(s => s!.AppliedIndex).Distinct().ToList();
                var committed = statuses.Max(s => s!.CommitIndex);
                var leaders = statuses.Where(s => s!.Role == "leader").ToList();
                if (applied.Count == 1 && applied[0] >= committed && leaders.Count == 1 && leaders[0]!.LastIndex == applied[0]) return;
            }
            await Task.Delay(50, ct);
        }

        var text = string.Join("; ", statuses.Select((s, i) => s is null ? $"node {i}: no answer" : $"node {i}: {s.Role} term {s.Term} commit {s.CommitIndex} applied {s.AppliedIndex} last {s.LastIndex}"));
        problems.Add($"the nodes did not converge within {SettleTimeout.TotalSeconds:0}s: {text}");
    }

    /// <summary>Every node's state machine must equal the others' and the final linearizable reads.</summary>
    private static async Task CompareStatesAsync(LocalCluster cluster, Dictionary<string, string?> final, List<string> problems, CancellationToken ct)
    {
        var expected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in final)
            if (value is not null) expected[key] = value;

        for (var node = 0; node < cluster.Count; node++)
        {
            SortedDictionary<string, string> state;
            try
            {
                state = await NodeStates.ReadAsync(cluster.Addresses[node], ct);
            }
            catch (Exception e) when (e is RaftKv.Client.ClusterUnavailableException or InvalidOperationException)
            {
                problems.Add($"node {node}: cannot read its state: {e.Message}");
                continue;
            }

            if (!state.SequenceEqual(expected))
                problems.Add($"node {node}'s state machine differs from the final reads:\n  node:  {NodeStates.Describe(state)}\n  reads: {NodeStates.Describe(expected)}");
        }
    }

    /// <summary>Saves the history (JSON lines) and copies every node's log next to it; returns the history's path.</summary>
    private static async Task<string> SaveFailureAsync(LocalCluster cluster, History history, NemesisRunOptions options, List<string> problems)
    {
        var folder = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"raftkv-jepsen-seed{options.Seed}-{options.Nodes}n-{DateTime.UtcNow:HHmmss}"));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "history.jsonl");
        history.SaveJsonLines(path);
        var diagnostics = new StringBuilder(await cluster.DiagnosticsAsync());
        diagnostics.AppendLine().AppendLine("problems:");
        foreach (var p in problems) diagnostics.AppendLine(p);
        await File.WriteAllTextAsync(Path.Combine(folder, "diagnostics.txt"), diagnostics.ToString());
        for (var node = 0; node < cluster.Count; node++)
        {
            if (File.Exists(cluster.NodeLogFile(node)))
                File.Copy(cluster.NodeLogFile(node), Path.Combine(folder, $"node-{node}.log"), overwrite: true);
        }
        return path;
    }
}
