namespace RaftKv.StateMachine;

/// <summary>A lease as the state machine knows it: its id (the revision that granted it), its TTL and its keys.</summary>
internal sealed class LeaseRecord(long id, long ttlSeconds)
{
    public long Id { get; } = id;
    public long TtlSeconds { get; } = ttlSeconds;
    public SortedSet<string> Keys { get; } = new(StringComparer.Ordinal);
}
