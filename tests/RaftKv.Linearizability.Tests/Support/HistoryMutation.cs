using RaftKv.Linearizability;

namespace RaftKv.Linearizability.Tests.Support;

/// <summary>Changes one read of a correct history so that no order can explain it any more.</summary>
internal static class HistoryMutation
{
    public const string NeverWritten = "\"a value nobody wrote\"";

    /// <summary>One acknowledged read now returns a value that was never written.</summary>
    public static List<Operation> ReadNeverWritten(IReadOnlyList<Operation> history, int seed)
    {
        var reads = Enumerable.Range(0, history.Count).Where(i => IsOkRead(history[i])).ToList();
        if (reads.Count == 0)
        {
            throw new InvalidOperationException("The history has no acknowledged read to mutate.");
        }

        var mutated = history.ToList();
        int chosen = reads[new Random(seed).Next(reads.Count)];
        mutated[chosen] = mutated[chosen] with { Value = NeverWritten };
        return mutated;
    }

    /// <summary>
    /// One acknowledged read now returns the value of a write S that is provably overwritten before the read:
    /// an acknowledged write W began after S ended and ended before the read began. Values being unique, S is
    /// the only write of that value, so no order places the read after S and before W.
    /// </summary>
    public static List<Operation> ReadProvablyStale(IReadOnlyList<Operation> history, int seed)
    {
        var random = new Random(seed);
        var writesByKey = history
            .Where(o => o.Outcome == OpOutcome.Ok && o.Kind != OpKind.Get)
            .ToLookup(o => o.Key, StringComparer.Ordinal);
        var reads = Enumerable.Range(0, history.Count).Where(i => IsOkRead(history[i])).OrderBy(_ => random.Next()).ToList();
        foreach (int i in reads)
        {
            var read = history[i];
            var writes = writesByKey[read.Key].ToList();
            var stale = writes
                .Where(s => s.Kind == OpKind.Set && s.Value != read.Value)
                .FirstOrDefault(s => writes.Any(w => s.End < w.Start && w.End < read.Start));
            if (stale is not null)
            {
                var mutated = history.ToList();
                mutated[i] = read with { Value = stale.Value };
                return mutated;
            }
        }

        throw new InvalidOperationException("No read in the history has a provably stale value to take.");
    }

    private static bool IsOkRead(Operation op) => op.Kind == OpKind.Get && op.Outcome == OpOutcome.Ok;
}
