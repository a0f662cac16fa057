using RaftKv.Jepsen.Tests.Workload;
using RaftKv.Testing.Faults;
using RaftKv.Linearizability;

namespace RaftKv.Jepsen.Tests.Runs;

/// <summary>What a nemesis run did and found. <see cref="Problems"/> is empty when the run passed.</summary>
public sealed record NemesisRunReport(
    NemesisRunOptions Options,
    IReadOnlyList<InjectedFault> Faults,
    OutcomeCounts Counts,
    CounterWorkload Counter,
    CheckResult? Check,
    IReadOnlyList<string> Problems,
    string? HistoryPath,
    TimeSpan Elapsed)
{
    public bool Passed => Problems.Count == 0;
}
