using RaftKv.Linearizability;

namespace RaftKv.Linearizability.Tests.Support;

/// <summary>
/// Linearizability by definition for tiny histories with compare-and-set and transactions: tries every order that
/// respects real time, each operation of unknown outcome both with and without effect, against a store written
/// here from docs/PROTOCOL.md with no interning, caching or shortcut. Mod revisions are those the acknowledged
/// writes recorded; a write of unknown outcome has none, so a guard or comparison on a recorded revision is false
/// for it. (Histories must not show mod revisions in reads: the checker would learn from them, this does not.)
/// </summary>
internal static class BruteForceStoreChecker
{
    private sealed record KeyState(string Value, long Version, long? Revision);

    public static bool IsLinearizable(IReadOnlyList<Operation> history)
    {
        var ops = history
            .Where(o => o.Outcome != OpOutcome.Failed && !(o.Kind == OpKind.Get && o.Outcome == OpOutcome.Unknown))
            .ToList();
        return Search(ops, new bool[ops.Count], ops.Count, new Dictionary<string, KeyState>(StringComparer.Ordinal));
    }

    private static bool Search(List<Operation> ops, bool[] done, int remaining, Dictionary<string, KeyState> state)
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

            done[i] = true;
            bool found = Apply(ops[i], state) is { } next && Search(ops, done, remaining - 1, next);
            found = found || (ops[i].Outcome == OpOutcome.Unknown && Search(ops, done, remaining - 1, state));
            done[i] = false;
            if (found)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The state after <paramref name="op"/>, or null when its answer cannot be given in <paramref name="state"/>.</summary>
    private static Dictionary<string, KeyState>? Apply(Operation op, Dictionary<string, KeyState> state)
    {
        var next = new Dictionary<string, KeyState>(state, StringComparer.Ordinal);
        switch (op.Kind)
        {
            case OpKind.Get:
                return Matches(state, op.Key, new KeyRead(op.Value, op.Seen?.Version)) ? next : null;
            case OpKind.Set or OpKind.Delete:
            {
                bool holds = op.Guard is not { } guard || Holds(state, op.Key, guard);
                if (op.Outcome == OpOutcome.ConditionFailed)
                {
                    return !holds && (op.Seen is null || Matches(state, op.Key, op.Seen)) ? next : null;
                }

                if (!holds)
                {
                    return op.Outcome == OpOutcome.Ok ? null : next;
                }

                Write(next, op.Key, op.Kind == OpKind.Set ? op.Value : null, op.Revision);
                return next;
            }

            default:
            {
                var txn = op.Txn!;
                bool succeeded = txn.Compare.All(c => Compare(state, c));
                if (op.Outcome == OpOutcome.Ok && succeeded != op.Succeeded)
                {
                    return null;
                }

                int read = 0;
                foreach (var step in txn.Branch(succeeded))
                {
                    if (step.Kind == OpKind.Get)
                    {
                        if (op.Outcome == OpOutcome.Ok && op.Reads is { } reads && !Matches(next, step.Key, reads[read]))
                        {
                            return null;
                        }

                        read++;
                    }
                    else
                    {
                        Write(next, step.Key, step.Kind == OpKind.Set ? step.Value : null, op.Revision);
                    }
                }

                return next;
            }
        }
    }

    private static void Write(Dictionary<string, KeyState> state, string key, string? value, long? revision)
    {
        if (value is null)
        {
            state.Remove(key);
        }
        else
        {
            state[key] = new KeyState(value, state.TryGetValue(key, out var old) ? old.Version + 1 : 1, revision);
        }
    }

    private static bool Matches(Dictionary<string, KeyState> state, string key, KeyRead read)
    {
        state.TryGetValue(key, out var s);
        return s?.Value == read.Value && (read.Version is null || read.Version == (s?.Version ?? 0));
    }

    private static bool Holds(Dictionary<string, KeyState> state, string key, Guard guard)
    {
        state.TryGetValue(key, out var s);
        if (guard.IfAbsent)
        {
            return s is null;
        }

        return (guard.IfVersion is null || guard.IfVersion == (s?.Version ?? 0))
            && (guard.IfModRevision is null || RevisionIs(s, guard.IfModRevision.Value))
            && (guard.IfValue is null || s?.Value == guard.IfValue);
    }

    private static bool RevisionIs(KeyState? s, long revision) => s is null ? revision == 0 : s.Revision == revision;

    private static bool Compare(Dictionary<string, KeyState> state, TxnCompare c)
    {
        state.TryGetValue(c.Key, out var s);
        long version = s?.Version ?? 0;
        return (c.Target, c.Op) switch
        {
            (CompareTarget.Value, CompareOp.Equal) => s?.Value == c.Value,
            (CompareTarget.Value, _) => s?.Value != c.Value,
            (CompareTarget.ModRevision, CompareOp.Equal) => RevisionIs(s, c.Number),
            (CompareTarget.ModRevision, _) => !RevisionIs(s, c.Number),
            (_, CompareOp.Equal) => version == c.Number,
            (_, CompareOp.NotEqual) => version != c.Number,
            (_, CompareOp.Less) => version < c.Number,
            _ => version > c.Number,
        };
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
