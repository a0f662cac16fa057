namespace RaftKv.Linearizability;

/// <summary>
/// Rejects operations that cannot describe anything a client saw, so that a malformed history is reported
/// as such instead of being "explained" or "refuted" by the checker.
/// </summary>
internal static class OperationValidator
{
    /// <returns>Null when the operation is well formed, otherwise what is wrong with it.</returns>
    public static string? Problem(Operation? op)
    {
        if (op is null)
        {
            return "the operation is null";
        }

        if (op.Key is null)
        {
            return "the key is null";
        }

        if (!Enum.IsDefined(op.Kind))
        {
            return $"unknown kind {(int)op.Kind}";
        }

        if (!Enum.IsDefined(op.Outcome))
        {
            return $"unknown outcome {(int)op.Outcome}";
        }

        if (op.Kind == OpKind.Set && op.Value is null)
        {
            return "a Set must carry the value written (JSON text; the JSON null is the text \"null\")";
        }

        if (op.Kind is OpKind.Delete or OpKind.Txn && op.Value is not null)
        {
            return $"a {op.Kind} carries no value";
        }

        // The end of an Unknown operation is when the client gave up, which bounds nothing.
        if (op.Outcome != OpOutcome.Unknown && op.End < op.Start)
        {
            return $"it ends ({op.End}) before it starts ({op.Start})";
        }

        return GuardProblem(op) ?? ObservationProblem(op) ?? TxnProblem(op);
    }

    private static string? GuardProblem(Operation op)
    {
        if (op.Guard is not { } guard)
        {
            return op.Outcome == OpOutcome.ConditionFailed ? "only a guarded Set or Delete can end ConditionFailed" : null;
        }

        if (op.Kind is not (OpKind.Set or OpKind.Delete))
        {
            return "only a Set or a Delete takes a guard";
        }

        bool others = guard.IfVersion is not null || guard.IfModRevision is not null || guard.IfValue is not null;
        if (guard.IfAbsent && others)
        {
            return "a guard is ifAbsent alone, or any of ifVersion, ifModRevision, ifValue";
        }

        if (!guard.IfAbsent && !others)
        {
            return "a guard must hold a condition";
        }

        return guard.IfVersion < 0 || guard.IfModRevision < 0 ? "a guard's version and revision are whole numbers" : null;
    }

    private static string? ObservationProblem(Operation op)
    {
        if (op.Revision is { } revision && (revision <= 0 || op.Outcome != OpOutcome.Ok || op.Kind == OpKind.Get))
        {
            return "only an Ok write has a revision, and it is positive";
        }

        if (op.Seen is { } seen)
        {
            bool fits = (op.Kind == OpKind.Get && op.Outcome == OpOutcome.Ok && seen.Value == op.Value) || op.Outcome == OpOutcome.ConditionFailed;
            if (!fits)
            {
                return "only an Ok Get (with the same value) or a ConditionFailed write shows the key it saw";
            }

            if (KeyReadProblem(seen) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? TxnProblem(Operation op)
    {
        if (op.Kind != OpKind.Txn)
        {
            return op.Txn is not null || op.Succeeded is not null || op.Reads is not null ? $"a {op.Kind} carries no transaction" : null;
        }

        if (op.Txn is not { } txn || txn.Compare is null || txn.Success is null || txn.Failure is null)
        {
            return "a Txn must carry its transaction (compare, success and failure lists)";
        }

        if (op.Outcome == OpOutcome.ConditionFailed)
        {
            return "a Txn whose comparisons fail is Ok with Succeeded false, not ConditionFailed";
        }

        foreach (var compare in txn.Compare)
        {
            if (CompareProblem(compare) is { } problem)
            {
                return problem;
            }
        }

        foreach (var step in txn.Success.Concat(txn.Failure))
        {
            if (step is null || step.Key is null || step.Kind is not (OpKind.Set or OpKind.Get or OpKind.Delete))
            {
                return "a transaction step is a Set, Get or Delete of a key";
            }

            if ((step.Kind == OpKind.Set) != (step.Value is not null))
            {
                return "a transaction's Set carries the value written, and only a Set carries a value";
            }
        }

        if (op.Outcome != OpOutcome.Ok)
        {
            return op.Succeeded is not null || op.Reads is not null ? "only an Ok Txn says which branch ran and what it read" : null;
        }

        if (op.Succeeded is not { } succeeded)
        {
            return "an Ok Txn says which branch ran (Succeeded)";
        }

        // Reads may be unknown (null): an answer replayed from the session says only which branch ran.
        int gets = txn.Branch(succeeded).Count(s => s.Kind == OpKind.Get);
        if (op.Reads is null)
        {
            return null;
        }

        if (op.Reads.Count != gets)
        {
            return $"the branch that ran has {gets} gets but {op.Reads.Count} reads were recorded";
        }

        return op.Reads.Select(KeyReadProblem).FirstOrDefault(p => p is not null);
    }

    private static string? CompareProblem(TxnCompare? compare)
    {
        if (compare is null || compare.Key is null || !Enum.IsDefined(compare.Target) || !Enum.IsDefined(compare.Op))
        {
            return "a comparison names a key, a target (Value, Version or ModRevision) and an op";
        }

        if ((compare.Target == CompareTarget.Value) != (compare.Value is not null))
        {
            return "a Value comparison carries a value, and only it does";
        }

        if (compare.Target != CompareTarget.Version && compare.Op is CompareOp.Less or CompareOp.Greater)
        {
            return $"a {compare.Target} comparison is = or != (the checker orders versions only)";
        }

        return null;
    }

    private static string? KeyReadProblem(KeyRead? read)
    {
        if (read is null)
        {
            return "a read is null";
        }

        if (read.Version < 0 || read.ModRevision < 0)
        {
            return "a version or revision read is negative";
        }

        bool absent = read.Value is null;
        if ((read.Version is { } v && (v == 0) != absent) || (read.ModRevision is { } r && (r == 0) != absent))
        {
            return "a key read as absent has version and mod revision 0, and only then";
        }

        return null;
    }
}
