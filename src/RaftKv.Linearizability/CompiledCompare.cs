namespace RaftKv.Linearizability;

/// <summary>A <see cref="TxnCompare"/> with its key numbered and its value interned.</summary>
internal sealed record CompiledCompare(int Key, CompareTarget Target, CompareOp Op, long Number, int Value);
