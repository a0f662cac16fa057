namespace RaftKv.Core.Tests.Simulation;

/// <summary>The totals of a batch of seeds, and the seeds that failed.</summary>
public sealed record SimulationSummary(
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
               $"{Sum(r => r.Registrations)} session registrations, {Sum(r => r.Retries)} retries, {Sum(r => r.LateDuplicates)} late duplicates, {Sum(r => r.DiskFullEpisodes)} disk-full episodes, " +
               $"{Sum(r => r.Crashes)} crashes, {Sum(r => r.Partitions)} partitions, {Sum(r => r.Transfers)} transfers, " +
               $"{Sum(r => r.MembershipChanges)} membership changes, {Sum(r => r.Compactions)} compactions, {Sum(r => r.SnapshotsInstalled)} snapshots installed, " +
               $"{Sum(r => r.MessagesDelivered)} messages delivered, {Sum(r => r.MessagesLost)} lost; " +
               $"longest recovery after healing {(Results.Count == 0 ? 0 : Results.Max(r => r.RecoveryTime))} time units; " +
               SnapshotTransferStats.Sum(Results.Select(r => r.Snapshots));
    }
}
