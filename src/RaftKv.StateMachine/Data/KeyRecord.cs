namespace RaftKv.StateMachine;

/// <summary>
/// A stored key's value (its UTF-8 JSON text as written, never mutated, so it may be shared with the
/// session table and the event history) and its revisions. A new write makes a new record.
/// </summary>
internal sealed record KeyRecord(byte[] Value, long CreateRevision, long ModRevision, long Version, long Lease);
