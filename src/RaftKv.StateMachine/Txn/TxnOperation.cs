namespace RaftKv.StateMachine;

/// <summary>One operation of a transaction branch: set (with an optional lease), delete or get of a key or prefix.</summary>
internal sealed record TxnOperation(KvOp Op, string Key, bool Prefix, byte[]? Value, long Lease);
