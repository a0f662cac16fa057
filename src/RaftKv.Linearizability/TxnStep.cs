namespace RaftKv.Linearizability;

/// <summary>One operation of a transaction branch, on one key.</summary>
/// <param name="Kind">Set, Get or Delete.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">Set: the canonical JSON text written; otherwise null.</param>
public sealed record TxnStep(OpKind Kind, string Key, string? Value = null);
