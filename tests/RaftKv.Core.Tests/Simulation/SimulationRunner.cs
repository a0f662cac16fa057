using System.Collections.Concurrent;
using System.Diagnostics;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>Runs many seeds (in parallel: each seed is independent) and sums up what they did.</summary>
public static class SimulationRunner
{
    public sealed record Summary(
        int Seeds,
        TimeSpan Elapsed,
        IReadOnlyList<SimulationResult> Results,
        IReadOnlyList<SimulationFailureException> Failures)
    {
        public override string ToString()
        {
            long Sum(Func<SimulationResult, long> f) => Results.Sum(f);
            return $"{Seeds} seeds ({Results.Count(r => r.NodeCount == 3)} of 3 nodes, {Results.Count(r => r.NodeCount == 5)} of 5) in {Elapsed.TotalSeconds:0.0} s: " +
                   $"{Failures.Count} failed; {Sum(r => r.Steps)} steps, {Sum(r => r.Elections)} elections, " +
                   $"{Sum(r => r.CommandsCommitted)} commands committed ({Sum(r => r.WritesAcknowledged)} acknowledged), {Sum(r => r.ReadsCompleted)} reads, " +
                   $"{Sum(r => r.Crashes)} crashes, {Sum(r => r.Partitions)} partitions, {Sum(r => r.Transfers)} transfers, " +
                   $"{Sum(r => r.MembershipChanges)} membership changes, {Sum(r => r.Compactions)} compactions, {Sum(r => r.SnapshotsSent)} snapshots installed, " +
                   $"{Sum(r => r.MessagesDelivered)} messages delivered, {Sum(r => r.MessagesLost)} lost; " +
                   $"longest recovery after healing {(Results.Count == 0 ? 0 : Results.Max(r => r.RecoveryTime))} time units";
        }
    }

    public static Summary Run(IEnumerable<int> seeds, int maxParallelism, Sabotage sabotage = Sabotage.None)
    {
        var results = new ConcurrentBag<SimulationResult>();
        var failures = new ConcurrentBag<SimulationFailureException>();
        var list = seeds.ToList();
        var watch = Stopwatch.StartNew();
        Parallel.ForEach(list, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism }, seed =>
        {
            try
            {
                results.Add(new ClusterSimulation(seed, sabotage: sabotage).Run());
            }
            catch (SimulationFailureException e)
            {
                failures.Add(e);
            }
        });
        watch.Stop();
        return new Summary(list.Count, watch.Elapsed, [.. results.OrderBy(r => r.Seed)], [.. failures.OrderBy(f => f.Seed)]);
    }
}
