using System.Text;

namespace RaftKv.Linearizability;

/// <summary>
/// Turns a failed search into a few lines a person can check by hand: the key, the longest legal prefix, the
/// operation that could not be placed after it with everything overlapping it, and one line saying why.
/// </summary>
internal static class CounterexampleWriter
{
    private const int PrefixLinesShown = 5;
    private const int OverlapLinesShown = 30;

    public static string Write(KeyHistory key, SearchResult result)
    {
        var text = new StringBuilder();
        string where = key.Keys.Length == 1 ? "this key" : "these keys";
        text.AppendLine($"Not linearizable: {key.Name} ({Count(key.Ops.Length, "operation")} checked on {where}).");

        var prefix = result.LongestPrefix;
        string held = key.Model.Describe(result.StateAfterPrefix);
        string holds = key.Keys.Length == 1 ? "the key holds" : "the keys hold";
        text.AppendLine($"Longest linearizable prefix: {Count(prefix.Length, "operation")}, after which {holds} {held}.");
        Func<Operation, string> describe = key.Keys.Length == 1 ? OperationText.DescribeWithoutKey : OperationText.Describe;
        if (prefix.Length > PrefixLinesShown)
        {
            text.AppendLine($"  ... {Count(prefix.Length - PrefixLinesShown, "earlier operation")}");
        }

        for (int i = Math.Max(0, prefix.Length - PrefixLinesShown); i < prefix.Length; i++)
        {
            string skipped = result.SkippedInPrefix[i] ? "  (taken as never having happened)" : string.Empty;
            text.AppendLine($"  {describe(key.Ops[prefix[i]].Source)}{skipped}");
        }

        if (result.FirstUnplaced < 0)
        {
            return text.ToString();
        }

        var stuck = key.Ops[result.FirstUnplaced].Source;
        text.AppendLine($"Cannot place: {describe(stuck)}");

        var inPrefix = new HashSet<Operation>(prefix.Select(i => key.Ops[i].Source), ReferenceEqualityComparer.Instance);
        // Only what the search weighed: reads of unknown outcome and unknown writes nobody could have read are
        // left out of it, and would only be noise here.
        var stuckOp = key.Ops[result.FirstUnplaced];
        var overlapping = key.Ops.Where(o => o.Start <= stuckOp.End && stuckOp.Start <= o.End).Select(o => o.Source).OrderBy(o => o.Start).ThenBy(o => o.Client).ToList();
        text.AppendLine($"Operations overlapping it ({overlapping.Count}, by start):");
        foreach (var op in overlapping.Take(OverlapLinesShown))
        {
            string mark = ReferenceEquals(op, stuck) ? "  <- cannot be placed" : inPrefix.Contains(op) ? "  (in prefix)" : string.Empty;
            text.AppendLine($"  {describe(op)}{mark}");
        }

        if (overlapping.Count > OverlapLinesShown)
        {
            text.AppendLine($"  ... {overlapping.Count - OverlapLinesShown} more");
        }

        text.Append("Why: ").AppendLine(key.IsPlainRegister ? Why(key, stuck, held, prefix.Length) : WhyNotPlain(key, stuck, held, prefix.Length));
        return text.ToString();
    }

    /// <summary>
    /// For compare-and-set and transactions there is no short list of classic anomalies: say what the operation
    /// needed and what the state was.
    /// </summary>
    private static string WhyNotPlain(KeyHistory key, Operation stuck, string held, int prefixLength)
    {
        string holds = key.Keys.Length == 1 ? "the key holds" : "the keys hold";
        string needed = stuck switch
        {
            { Outcome: OpOutcome.ConditionFailed } => $"its guard ({stuck.Guard}) to be false, and the key to be as the answer showed",
            { Kind: OpKind.Txn, Outcome: OpOutcome.Ok } => stuck.Succeeded == true
                ? "every comparison to hold, and its reads to see what it read"
                : "some comparison to fail, and its reads to see what it read",
            { Guard: not null, Outcome: OpOutcome.Ok } => $"its guard ({stuck.Guard}) to hold",
            { Kind: OpKind.Get } => "the key to be as it read it",
            _ => "a state it can take effect in",
        };
        return $"after the {Count(prefixLength, "operation")} that can go first {holds} {held}; this operation needs {needed}, " +
            $"and no order of the operations still open gives it that by its end at {OperationText.Time(stuck.End)}.";
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    /// <summary>
    /// Names the simplest proof that the stuck read is impossible, trying the classic anomalies first. Only
    /// reads can be stuck: a write is legal in every state, so the deepest prefix always ends before a read.
    /// </summary>
    private static string Why(KeyHistory key, Operation stuck, string held, int prefixLength)
    {
        string generic = $"after the {Count(prefixLength, "operation")} that can go first the key holds {held}, and no order of the " +
            $"operations still open lets this operation take effect by its end at {OperationText.Time(stuck.End)}.";
        if (stuck.Kind != OpKind.Get)
        {
            return generic;
        }

        string? v = stuck.Value;
        string read = $"client {stuck.Client} read {OperationText.ReadValue(v)}";
        var writersOfV = Writers(key, v).ToList();
        if (v is not null && writersOfV.Count == 0)
        {
            return $"{read}, a value never written to this key by any operation that may have taken effect.";
        }

        if (v is not null && writersOfV.All(w => w.Start > stuck.End))
        {
            long first = writersOfV.Min(w => w.Start);
            return $"{read}, but it ended at {OperationText.Time(stuck.End)}, before any write of that value began (the first at {OperationText.Time(first)}).";
        }

        // Stale read: a write of something else began after every write of v ended and ended before the read began.
        var overwrite = key.Reported
            .Where(w => w.Outcome == OpOutcome.Ok && w.Kind != OpKind.Get && Writes(w) != v)
            .Where(w => w.End < stuck.Start && writersOfV.All(s => s.End < w.Start))
            .OrderByDescending(w => w.End)
            .FirstOrDefault();
        if (overwrite is not null)
        {
            string earlier = v is not null ? "every write of that value ended before it began"
                : writersOfV.Count == 1 ? "the key was never deleted"
                : "every delete of the key ended before it began";
            return $"{read} (stale): {OperationText.DescribeWithoutKey(overwrite)} ended before the read began, and {earlier}.";
        }

        // Seen then unseen: an earlier read saw a value all of whose writes follow every write of v.
        var newer = key.Reported
            .Where(g => g.Kind == OpKind.Get && g.Outcome == OpOutcome.Ok && g.Value != v && g.End < stuck.Start)
            .Where(g => writersOfV.All(s => Writers(key, g.Value).All(t => s.End < t.Start)))
            .OrderByDescending(g => g.End)
            .FirstOrDefault();
        if (newer is not null)
        {
            return $"{read}, but {OperationText.DescribeWithoutKey(newer)} ended before this read began, and every write of " +
                $"{OperationText.ReadValue(v)} ended before any write of {OperationText.ReadValue(newer.Value)} began: a newer value was seen, then the older one again.";
        }

        return $"{read}, but {generic}";
    }

    /// <summary>What a write leaves in the register; null for a Delete.</summary>
    private static string? Writes(Operation write) => write.Kind == OpKind.Set ? write.Value : null;

    /// <summary>
    /// Every operation that may have left the register holding <paramref name="value"/>; for "absent", the initial
    /// state counts as a write that ended before anything began.
    /// </summary>
    private static IEnumerable<Operation> Writers(KeyHistory key, string? value)
    {
        if (value is null)
        {
            yield return new Operation(-1, OpKind.Delete, key.Keys[0], null, long.MinValue, long.MinValue, OpOutcome.Ok);
        }

        foreach (var op in key.Reported)
        {
            if (op.Kind != OpKind.Get && Writes(op) == value)
            {
                yield return op.Outcome == OpOutcome.Unknown ? op with { End = long.MaxValue } : op;
            }
        }
    }
}
