namespace RaftKv.Linearizability;

/// <summary>A <see cref="TxnStep"/> with its key numbered and its value interned (0 for a get or a delete).</summary>
internal sealed record CompiledStep(OpKind Kind, int Key, int Value);
