namespace RaftKv.Linearizability;

/// <summary>What <see cref="StoreModel"/> needs of one operation, with keys numbered and values interned.</summary>
/// <param name="Key">The key of a single-key operation; -1 for a Txn.</param>
/// <param name="Seen">A Get's read, or what a ConditionFailed answer showed; null when nothing is to be checked.</param>
/// <param name="GuardValue">The interned value of <see cref="Guard.IfValue"/>, or 0.</param>
internal sealed record CompiledOp(
    int Key,
    CompiledRead? Seen,
    int GuardValue,
    CompiledCompare[] Compares,
    CompiledStep[] Success,
    CompiledStep[] Failure,
    CompiledRead[] Reads)
{
    public static CompiledOp From(SearchOp op, IReadOnlyDictionary<string, int> keys, Func<string?, int> valueId)
    {
        var source = op.Source;
        CompiledRead Read(KeyRead r) => new(valueId(r.Value), r.Version, r.ModRevision);
        CompiledStep[] Steps(IReadOnlyList<TxnStep> steps) => [.. steps.Select(s => new CompiledStep(s.Kind, keys[s.Key], s.Kind == OpKind.Set ? valueId(s.Value) : 0))];
        if (source.Kind == OpKind.Txn)
        {
            var txn = source.Txn!;
            return new CompiledOp(
                -1,
                null,
                0,
                [.. txn.Compare.Select(c => new CompiledCompare(keys[c.Key], c.Target, c.Op, c.Number, c.Target == CompareTarget.Value ? valueId(c.Value) : 0))],
                Steps(txn.Success),
                Steps(txn.Failure),
                [.. (source.Reads ?? []).Select(Read)]);
        }

        CompiledRead? seen = source.Kind == OpKind.Get ? Read(source.Seen ?? new KeyRead(source.Value)) : source.Seen is { } s ? Read(s) : null;
        int guardValue = source.Guard?.IfValue is { } v ? valueId(v) : 0;
        return new CompiledOp(keys[source.Key], seen, guardValue, [], [], [], []);
    }
}
