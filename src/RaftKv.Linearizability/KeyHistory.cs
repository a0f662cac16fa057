namespace RaftKv.Linearizability;

/// <summary>
/// The part of a history that concerns one key, prepared for the search. Linearizability is compositional
/// (Herlihy and Wing): a history is linearizable exactly when its restriction to each object is, and each key
/// of the store is an independent register.
/// </summary>
internal sealed class KeyHistory
{
    private KeyHistory(string key, IReadOnlyList<Operation> reported, SearchOp[] ops, string?[] values)
    {
        Key = key;
        Reported = reported;
        Ops = ops;
        Values = values;
    }

    public string Key { get; }

    /// <summary>Every operation on the key that may have taken effect, as recorded; what a counterexample quotes.</summary>
    public IReadOnlyList<Operation> Reported { get; }

    /// <summary>The operations the search must place.</summary>
    public SearchOp[] Ops { get; }

    /// <summary>Interned values: index 0 is null (absent), the others JSON texts.</summary>
    public string?[] Values { get; }

    public static KeyHistory Build(string key, IReadOnlyList<Operation> operations)
    {
        var reported = operations.Where(o => o.Outcome != OpOutcome.Failed).ToArray();

        // The latest end of an acknowledged read of each value, and how many writes may have written it.
        var lastReadEnd = new Dictionary<string, long>(StringComparer.Ordinal);
        var writers = new Dictionary<string, int>(StringComparer.Ordinal);
        long lastNotFoundEnd = long.MinValue;
        foreach (var op in reported)
        {
            if (op.Kind == OpKind.Set)
            {
                writers[op.Value!] = writers.GetValueOrDefault(op.Value!) + 1;
            }
            else if (op.Kind == OpKind.Get && op.Outcome == OpOutcome.Ok)
            {
                if (op.Value is null)
                {
                    lastNotFoundEnd = Math.Max(lastNotFoundEnd, op.End);
                }
                else
                {
                    lastReadEnd[op.Value] = Math.Max(lastReadEnd.GetValueOrDefault(op.Value, long.MinValue), op.End);
                }
            }
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var values = new List<string?> { null };
        var ops = new List<SearchOp>(reported.Length);
        foreach (var op in reported)
        {
            long end = op.End;
            bool optional = false;
            if (op.Outcome == OpOutcome.Unknown)
            {
                // A read whose answer never arrived tells nothing.
                if (op.Kind == OpKind.Get)
                {
                    continue;
                }

                // A write of unknown outcome only matters to reads of what it wrote: had it taken effect after
                // the last of them, or never, no read would tell the difference. So it either never happened,
                // and is left out when no such read ends after it starts, or it happened before that last read
                // ended, which bounds it as tightly as an acknowledged operation; an unbounded one would stay
                // open against everything after it and multiply the search. When it is the only write of a value
                // that was read, it certainly happened; otherwise it may be placed without effect.
                long lastObservation = op.Value is null ? lastNotFoundEnd : lastReadEnd.GetValueOrDefault(op.Value, long.MinValue);
                if (lastObservation < op.Start)
                {
                    continue;
                }

                end = lastObservation;
                optional = op.Kind == OpKind.Delete || writers[op.Value!] > 1;
            }

            int value = 0;
            if (op.Value is not null && op.Kind != OpKind.Delete && !ids.TryGetValue(op.Value, out value))
            {
                value = values.Count;
                ids.Add(op.Value, value);
                values.Add(op.Value);
            }

            ops.Add(new SearchOp(op, op.Kind, value, op.Start, end, optional));
        }

        return new KeyHistory(key, reported, [.. ops], [.. values]);
    }
}
