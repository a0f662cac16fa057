using RaftKv.Protocol;

namespace RaftKv.StateMachine;

/// <summary>A range read: the keys returned (ordinal order), how many the range holds in all, and whether the limit cut it short.</summary>
public sealed record RangeResult(IReadOnlyList<KeyValue> Kvs, long Count, bool More);
