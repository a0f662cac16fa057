namespace RaftKv.StateMachine;

/// <summary>A lease as seen from outside the state machine: id, TTL in seconds and attached keys (ordinal order).</summary>
public sealed record LeaseInfo(long Id, long TtlSeconds, IReadOnlyList<string> Keys);
