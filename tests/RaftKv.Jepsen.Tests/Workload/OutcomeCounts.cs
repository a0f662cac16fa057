using System.Globalization;
using RaftKv.Linearizability;

namespace RaftKv.Jepsen.Tests.Workload;

/// <summary>How many operations of each kind ended with each outcome. Thread-safe.</summary>
public sealed class OutcomeCounts
{
    private readonly long[,] _counts = new long[Enum.GetValues<OpKind>().Length, Enum.GetValues<OpOutcome>().Length];

    public void Add(OpKind kind, OpOutcome outcome) => Interlocked.Increment(ref _counts[(int)kind, (int)outcome]);

    public long this[OpKind kind, OpOutcome outcome] => Interlocked.Read(ref _counts[(int)kind, (int)outcome]);

    public long Total(OpOutcome outcome) => Enum.GetValues<OpKind>().Sum(k => this[k, outcome]);

    public long Total() => Enum.GetValues<OpOutcome>().Sum(Total);

    /// <summary>Such as "set ok 120 failed 0 unknown 3 conditionFailed 4; get ok 300 ...; total 500 (ok 480, conditionFailed 4, failed 2, unknown 14)".</summary>
    public override string ToString()
    {
        var parts = Enum.GetValues<OpKind>().Select(k =>
            string.Create(CultureInfo.InvariantCulture, $"{k.ToString().ToLowerInvariant()} ok {this[k, OpOutcome.Ok]} failed {this[k, OpOutcome.Failed]} unknown {this[k, OpOutcome.Unknown]}")
            + (k is OpKind.Set or OpKind.Delete ? string.Create(CultureInfo.InvariantCulture, $" conditionFailed {this[k, OpOutcome.ConditionFailed]}") : string.Empty));
        return string.Join("; ", parts) +
            string.Create(CultureInfo.InvariantCulture, $"; total {Total()} (ok {Total(OpOutcome.Ok)}, conditionFailed {Total(OpOutcome.ConditionFailed)}, failed {Total(OpOutcome.Failed)}, unknown {Total(OpOutcome.Unknown)})");
    }
}
