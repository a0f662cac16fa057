namespace RaftKv.StateMachine;

/// <summary>Everything read from a snapshot, fully validated, ready to replace the live state.</summary>
internal sealed record RestoredState(long AppliedIndex, KeyStore Data, SortedDictionary<long, LeaseRecord> Leases, SessionTable Sessions);
