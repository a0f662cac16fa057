using RaftKv.Linearizability;

namespace RaftKv.Linearizability.Tests.Support;

/// <summary>
/// Linearizability by definition, for tiny single-key histories: tries every order of the operations that
/// respects real time (an operation that ended before another started goes first), and for each write of
/// unknown outcome both with and without effect. No cleverness, so it can judge the real checker.
/// </summary>
internal static class BruteForceChecker
{
    public static bool IsLinearizable(IReadOnlyList<Operation> history)
    {
        var ops = history
            .Where(o => o.Outcome != OpOutcome.Failed && !(o.Kind == OpKind.Get && o.Outcome == OpOutcome.Unknown))
            .ToList();
        return Search(ops, new bool[ops.Count], ops.Count, state: null);
    }

    private static bool Search(List<Operation> ops, bool[] done, int remaining, string? state)
    {
        if (remaining == 0)
        {
            return true;
        }

        for (int i = 0; i < ops.Count; i++)
        {
            if (done[i] || !MayGoNext(ops, done, i))
            {
                continue;
            }

            var op = ops[i];
            done[i] = true;
            bool found = op.Kind switch
            {
                OpKind.Get => op.Value == state && Search(ops, done, remaining - 1, state),
                OpKind.Set => Search(ops, done, remaining - 1, op.Value),
                _ => Search(ops, done, remaining - 1, null),
            };
            found = found || (op.Outcome == OpOutcome.Unknown && Search(ops, done, remaining - 1, state));
            done[i] = false;
            if (found)
            {
                return true;
            }
        }

        return false;
    }

    private static bool MayGoNext(List<Operation> ops, bool[] done, int candidate)
    {
        for (int j = 0; j < ops.Count; j++)
        {
            if (!done[j] && j != candidate && ops[j].Outcome != OpOutcome.Unknown && ops[j].End < ops[candidate].Start)
            {
                return false;
            }
        }

        return true;
    }
}
