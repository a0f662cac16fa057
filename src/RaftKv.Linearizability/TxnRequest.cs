namespace RaftKv.Linearizability;

/// <summary>
/// A transaction as sent: when every comparison holds the success steps run, otherwise the failure steps; the
/// whole is one atomic step, each step seeing the ones before it (docs/PROTOCOL.md "Transactions").
/// </summary>
public sealed record TxnRequest(IReadOnlyList<TxnCompare> Compare, IReadOnlyList<TxnStep> Success, IReadOnlyList<TxnStep> Failure)
{
    /// <summary>Every key the transaction compares or touches, in ordinal order, once each.</summary>
    public IReadOnlyList<string> Keys() =>
        Compare.Select(c => c.Key).Concat(Success.Select(s => s.Key)).Concat(Failure.Select(s => s.Key))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The steps of the branch that runs when the comparisons hold (true) or not (false).</summary>
    public IReadOnlyList<TxnStep> Branch(bool succeeded) => succeeded ? Success : Failure;
}
