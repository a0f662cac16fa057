using System.Diagnostics;
using System.Text;

namespace RaftKv.Linearizability;

/// <summary>
/// Decides whether a history of a key-value store's client operations is linearizable: whether every operation
/// can be given a single instant between its start and its end such that, in the order of those instants, each
/// read returns what the latest write before it left.
/// </summary>
/// <remarks>
/// Each key is an object checked on its own (P-compositionality, as in Horn and Kroening, and Porcupine), objects in
/// parallel; keys that a transaction touches together are one object. Compare-and-set and transactions are checked
/// against <see cref="StoreModel"/>: a "condition failed" answer is a read that saw the guard false, a transaction
/// one atomic step on all its keys. Failed operations are dropped. An operation of unknown outcome may take effect at any point after
/// its start, or never: its end is taken as infinite, and a read of unknown outcome is dropped as it constrains
/// nothing. Values are compared as text, so they must be canonical JSON.
/// </remarks>
public static class LinearizabilityChecker
{
    /// <summary>Checks <paramref name="history"/>, giving up (TimedOut, not linearizable) after <paramref name="timeout"/>.</summary>
    /// <exception cref="ArgumentException">An operation is malformed; the message says which and why.</exception>
    public static CheckResult Check(IReadOnlyList<Operation> history, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive or Timeout.InfiniteTimeSpan.");
        }

        for (int i = 0; i < history.Count; i++)
        {
            if (OperationValidator.Problem(history[i]) is { } problem)
            {
                throw new ArgumentException($"Operation {i} of the history is malformed: {problem}. ({history[i]?.ToString() ?? "null"})", nameof(history));
            }
        }

        var stopwatch = Stopwatch.StartNew();
        long deadline = timeout == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : Stopwatch.GetTimestamp() + (long)Math.Min(timeout.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 2);

        var keys = ObjectHistories(history);
        int checkedOps = keys.Sum(k => k.Ops.Length);

        // Keys are in a fixed order, and a failure only stops the keys after it, so the key reported is the
        // same on every run whatever the scheduling.
        var results = new SearchResult?[keys.Length];
        var lowestFailure = new[] { int.MaxValue };
        Parallel.For(0, keys.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            bool ShouldStop() => Stopwatch.GetTimestamp() > deadline || Volatile.Read(ref lowestFailure[0]) < i;
            if (ShouldStop())
            {
                return;
            }

            var result = RegisterSearch.Run(keys[i], ShouldStop);
            results[i] = result;
            if (result.Verdict == SearchVerdict.NotLinearizable)
            {
                int seen;
                while ((seen = Volatile.Read(ref lowestFailure[0])) > i && Interlocked.CompareExchange(ref lowestFailure[0], i, seen) != seen)
                {
                }
            }
        });

        int failed = Array.FindIndex(results, r => r?.Verdict == SearchVerdict.NotLinearizable);
        if (failed >= 0)
        {
            var text = new StringBuilder(CounterexampleWriter.Write(keys[failed], results[failed]!));
            var others = Enumerable.Range(failed + 1, keys.Length - failed - 1)
                .Where(i => results[i]?.Verdict == SearchVerdict.NotLinearizable)
                .Select(i => keys[i].Name)
                .ToList();
            if (others.Count > 0)
            {
                text.AppendLine($"Also found not linearizable: {string.Join("; ", others)}.");
            }

            return new CheckResult(false, text.ToString(), checkedOps, stopwatch.Elapsed, TimedOut: false);
        }

        var unfinished = Enumerable.Range(0, keys.Length).Where(i => results[i]?.Verdict != SearchVerdict.Linearizable).ToList();
        if (unfinished.Count > 0)
        {
            const int namesShown = 10;
            string names = string.Join(", ", unfinished.Take(namesShown).Select(i => $"{keys[i].Quoted} ({keys[i].Ops.Length} operations)"));
            string more = unfinished.Count > namesShown ? $" and {unfinished.Count - namesShown} more" : string.Empty;
            string message =
                $"Check timed out after {timeout}: no verdict. {keys.Length - unfinished.Count} of {keys.Length} keys were found " +
                $"linearizable; still unchecked: {names}{more}. No violation was found so far; give it more time, or a shorter history.";
            return new CheckResult(false, message, checkedOps, stopwatch.Elapsed, TimedOut: true);
        }

        return new CheckResult(true, null, checkedOps, stopwatch.Elapsed, TimedOut: false);
    }

    /// <summary>
    /// The history cut into independent objects: each key alone, except keys that one transaction touches
    /// together, which are one object (a transaction is one atomic step on all its keys). In the order of each
    /// object's first key, so that the object reported is the same on every run.
    /// </summary>
    private static KeyHistory[] ObjectHistories(IReadOnlyList<Operation> history)
    {
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        string Root(string key)
        {
            while (parent[key] is var up && !string.Equals(up, key, StringComparison.Ordinal))
            {
                parent[key] = parent[up];
                key = parent[key];
            }

            return key;
        }

        IReadOnlyList<string> KeysOf(Operation op) => op.Kind == OpKind.Txn ? op.Txn!.Keys() : [op.Key];
        foreach (var op in history)
        {
            var keys = KeysOf(op);
            foreach (string key in keys)
            {
                parent.TryAdd(key, key);
            }

            for (int i = 1; i < keys.Count; i++)
            {
                string a = Root(keys[0]);
                string b = Root(keys[i]);
                if (!string.Equals(a, b, StringComparison.Ordinal))
                {
                    parent[b] = a;
                }
            }
        }

        // Transactions that touch no key still answer which branch ran: they are one object with no keys, first.
        var recorded = history.Where(op => op.Outcome != OpOutcome.Failed && op.Revision is not null).Select(op => op.Revision!.Value).ToHashSet();
        return history
            .GroupBy(op => KeysOf(op) is [var first, ..] ? Root(first) : null, StringComparer.Ordinal)
            .Select(g => (Keys: g.Key is null ? [] : parent.Keys.Where(k => string.Equals(Root(k), g.Key, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray(), Ops: g.ToArray()))
            .OrderBy(o => o.Keys.FirstOrDefault() ?? string.Empty, StringComparer.Ordinal)
            .Select(o => KeyHistory.Build(o.Keys, o.Ops, recorded))
            .ToArray();
    }
}
