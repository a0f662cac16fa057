using System.Collections.Concurrent;
using System.Diagnostics;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>Runs many seeds (in parallel: each seed is independent) and sums up what they did.</summary>
public static class SimulationRunner
{
    public static SimulationSummary Run(IEnumerable<int> seeds, int maxParallelism, Sabotage sabotage = Sabotage.None,
        Func<SimulationScenario, SimulationScenario>? reshape = null)
    {
        var results = new ConcurrentBag<SimulationResult>();
        var failures = new ConcurrentBag<SimulationFailureException>();
        var list = seeds.ToList();
        var watch = Stopwatch.StartNew();
        Parallel.ForEach(list, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism }, seed =>
        {
            try
            {
                results.Add(new ClusterSimulation(seed, sabotage: sabotage, reshape: reshape).Run());
            }
            catch (SimulationFailureException e)
            {
                failures.Add(e);
            }
        });
        watch.Stop();
        return new SimulationSummary(list.Count, watch.Elapsed, [.. results.OrderBy(r => r.Seed)], [.. failures.OrderBy(f => f.Seed)]);
    }
}
