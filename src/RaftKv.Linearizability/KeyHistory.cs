namespace RaftKv.Linearizability;

/// <summary>
/// The part of a history that concerns one object, prepared for the search: one key, or the few keys that
/// transactions tie together. Linearizability is compositional (Herlihy and Wing): a history is linearizable
/// exactly when its restriction to each object is; each key of the store is an independent object until a
/// transaction touches it together with another, and then they are one.
/// </summary>
internal sealed class KeyHistory
{
    private KeyHistory(string[] keys, IReadOnlyList<Operation> reported, SearchOp[] ops, string?[] values, StoreModel model)
    {
        Keys = keys;
        Reported = reported;
        Ops = ops;
        Values = values;
        Model = model;
    }

    /// <summary>The keys of the object, in ordinal order.</summary>
    public string[] Keys { get; }

    /// <summary>The keys as a counterexample names them: <c>key "a"</c> or <c>keys "a", "b"</c>.</summary>
    public string Name => Keys.Length == 0 ? "transactions on no key" : (Keys.Length == 1 ? "key " : "keys ") + Quoted;

    /// <summary>The keys quoted: <c>"a"</c>, or <c>"a"+"b"</c> for keys tied together.</summary>
    public string Quoted => Keys.Length == 0 ? "(no key)" : string.Join("+", Keys.Select(k => $"\"{k}\""));

    /// <summary>Every operation on the object that may have taken effect, as recorded; what a counterexample quotes.</summary>
    public IReadOnlyList<Operation> Reported { get; }

    /// <summary>The operations the search must place.</summary>
    public SearchOp[] Ops { get; }

    /// <summary>Interned values: index 0 is null (absent), the others JSON texts.</summary>
    public string?[] Values { get; }

    /// <summary>What each operation does to the object's state.</summary>
    public StoreModel Model { get; }

    /// <summary>
    /// Whether the object is a plain register: one key, only unconditional writes and reads of values. Then the
    /// classic register anomalies (stale read, lost write...) can be named in a counterexample.
    /// </summary>
    public bool IsPlainRegister { get; private init; }

    /// <param name="keys">The object's keys; none for transactions that touch no key.</param>
    /// <param name="operations">Every operation on them.</param>
    /// <param name="recordedRevisions">Every revision recorded by any operation of the whole history (each is one log entry's).</param>
    public static KeyHistory Build(string[] keys, IReadOnlyList<Operation> operations, IReadOnlySet<long> recordedRevisions)
    {
        var reported = operations.Where(o => o.Outcome != OpOutcome.Failed).ToArray();
        bool plain = keys.Length == 1 && reported.All(IsPlain);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var values = new List<string?> { null };
        int ValueId(string? value)
        {
            if (value is null)
            {
                return 0;
            }

            if (!ids.TryGetValue(value, out int id))
            {
                id = values.Count;
                ids.Add(value, id);
                values.Add(value);
            }

            return id;
        }

        var ops = plain ? PlainOps(reported, ValueId) : ModelOps(reported, ValueId, recordedRevisions);
        bool trackVersion = reported.Any(LooksAtVersion);
        bool trackWriter = reported.Any(LooksAtModRevision);
        var model = new StoreModel(ops, keys, values, ValueId, plain, trackVersion, trackWriter, recordedRevisions);

        // Interning may have grown the table (values only compared with, never written): take it again.
        return new KeyHistory(keys, reported, ops, [.. values], model) { IsPlainRegister = plain };
    }

    private static bool IsPlain(Operation op) =>
        op.Kind != OpKind.Txn && op.Guard is null && op.Outcome != OpOutcome.ConditionFailed && op.Seen is not { Version: not null } and not { ModRevision: not null };

    private static SearchOp[] PlainOps(Operation[] reported, Func<string?, int> valueId)
    {
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

            int value = op.Kind == OpKind.Delete ? 0 : valueId(op.Value);
            ops.Add(new SearchOp(op, op.Kind, value, op.Start, end, optional, op.Kind == OpKind.Get, op.Revision ?? 0));
        }

        return [.. ops];
    }

    private static SearchOp[] ModelOps(Operation[] reported, Func<string?, int> valueId, IReadOnlySet<long> recordedRevisions)
    {
        // Anything answered that depends on the state is an observation; an unconditional write is not.
        long lastObservationEnd = reported
            .Where(o => o.Outcome != OpOutcome.Unknown && (o.Kind is OpKind.Get or OpKind.Txn || o.Guard is not null))
            .Select(o => o.End)
            .DefaultIfEmpty(long.MinValue)
            .Max();
        var inferred = InferRevisions(reported, recordedRevisions);
        var ops = new List<SearchOp>(reported.Length);
        foreach (var op in reported)
        {
            long end = op.End;
            bool optional = false;
            if (op.Outcome == OpOutcome.Unknown)
            {
                if (op.Kind == OpKind.Get)
                {
                    continue;
                }

                // Whatever a write of unknown outcome did (its value, the version it counted, the revision it
                // left), only an observation can tell; had it happened after the last one, or never, nothing
                // would differ. So it may be placed without effect, and must be placed by that last observation
                // if at all; with none after its start, it is left out.
                if (lastObservationEnd < op.Start)
                {
                    continue;
                }

                end = lastObservationEnd;
                optional = true;
            }

            bool observer = op.Kind == OpKind.Get
                || op.Outcome == OpOutcome.ConditionFailed
                || (op.Kind == OpKind.Txn && op.Outcome == OpOutcome.Ok && op.Txn!.Branch(op.Succeeded!.Value).All(s => s.Kind == OpKind.Get));
            int value = op.Kind is OpKind.Set or OpKind.Get ? valueId(op.Value) : 0;
            long revision = op.Revision ?? inferred.GetValueOrDefault(op);
            ops.Add(new SearchOp(op, op.Kind, value, op.Start, end, optional, observer, revision));
        }

        return [.. ops];
    }

    /// <summary>
    /// The revisions of writes that did not say theirs (unknown outcome, or not recorded), learned from reads: a
    /// read that saw value V with mod revision R, where no write claims R, saw a write of V of unknown revision;
    /// when exactly one such write of V to that key began before the read ended, R is its revision.
    /// </summary>
    private static Dictionary<Operation, long> InferRevisions(Operation[] reported, IReadOnlySet<long> recordedRevisions)
    {
        var inferred = new Dictionary<Operation, long>(ReferenceEqualityComparer.Instance);
        var claimed = new HashSet<long>(recordedRevisions);
        var unrevised = new List<(string Key, string Value, Operation Op)>();
        foreach (var op in reported)
        {
            foreach (var (key, value) in Writes(op))
            {
                if (op.Revision is null && value is not null)
                {
                    unrevised.Add((key, value, op));
                }
            }
        }

        foreach (var (key, read, seenBy) in Observations(reported))
        {
            if (read is not { Value: { } value, ModRevision: { } revision } || claimed.Contains(revision))
            {
                continue;
            }

            // Only a write that began before the read ended can be the one it saw.
            var candidates = unrevised.Where(u => u.Key == key && u.Value == value && u.Op.Start <= seenBy.End).Select(u => u.Op).Distinct().ToList();
            if (candidates.Count == 1 && !inferred.ContainsKey(candidates[0]))
            {
                inferred[candidates[0]] = revision;
                claimed.Add(revision);
            }
        }

        return inferred;
    }

    /// <summary>The (key, value written) pairs of a write; value null for a delete.</summary>
    private static IEnumerable<(string Key, string? Value)> Writes(Operation op)
    {
        if (op.Kind is OpKind.Set or OpKind.Delete && op.Outcome != OpOutcome.ConditionFailed)
        {
            yield return (op.Key, op.Value);
        }
        else if (op.Kind == OpKind.Txn)
        {
            var steps = op.Succeeded is { } succeeded ? op.Txn!.Branch(succeeded) : op.Txn!.Success.Concat(op.Txn.Failure);
            foreach (var step in steps.Where(s => s.Kind != OpKind.Get))
            {
                yield return (step.Key, step.Value);
            }
        }
    }

    /// <summary>Every (key, read) an answer showed, with the operation whose answer it was.</summary>
    private static IEnumerable<(string Key, KeyRead Read, Operation SeenBy)> Observations(Operation[] reported)
    {
        foreach (var op in reported)
        {
            if (op.Seen is { } seen)
            {
                yield return (op.Key, seen, op);
            }

            if (op.Kind == OpKind.Txn && op.Reads is { } reads && op.Succeeded is { } succeeded)
            {
                var gets = op.Txn!.Branch(succeeded).Where(s => s.Kind == OpKind.Get).ToList();
                for (int i = 0; i < gets.Count && i < reads.Count; i++)
                {
                    yield return (gets[i].Key, reads[i], op);
                }
            }
        }
    }

    private static bool LooksAtVersion(Operation op) =>
        op.Guard?.IfVersion is not null || op.Seen?.Version is not null
        || (op.Txn?.Compare.Any(c => c.Target == CompareTarget.Version) ?? false) || (op.Reads?.Any(r => r.Version is not null) ?? false);

    private static bool LooksAtModRevision(Operation op) =>
        op.Guard?.IfModRevision is not null || op.Seen?.ModRevision is not null
        || (op.Txn?.Compare.Any(c => c.Target == CompareTarget.ModRevision) ?? false) || (op.Reads?.Any(r => r.ModRevision is not null) ?? false);
}
