using System.Diagnostics;
using System.Globalization;
using System.Text;
using RaftKv.Jepsen.Tests.Workload;
using RaftKv.Protocol;
using RaftKv.Linearizability;
using RaftKv.Testing.Processes;

namespace RaftKv.Jepsen.Tests.Runs;

/// <summary>The end-of-run checks shared by every fault test; each adds what it finds to a list of problems.</summary>
public static class ClusterChecks
{
    /// <summary>How long a healed cluster may take to elect a leader or converge.</summary>
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(45);

    /// <summary>Reads every key linearizably, recorded as the last operations of the history, until each read is Ok.</summary>
    public static async Task<Dictionary<string, string?>> FinalReadsAsync(
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

    public static async Task WaitForLeaderOrNoteAsync(LocalCluster cluster, List<string> problems, string when, CancellationToken ct)
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
    public static async Task WaitForConvergenceAsync(LocalCluster cluster, List<string> problems, CancellationToken ct)
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
    public static async Task CompareStatesAsync(LocalCluster cluster, Dictionary<string, string?> final, List<string> problems, CancellationToken ct)
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
    public static async Task<string> SaveFailureAsync(LocalCluster cluster, History history, string name, List<string> problems)
    {
        var folder = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"raftkv-jepsen-{name}-{DateTime.UtcNow:HHmmss}"));
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
