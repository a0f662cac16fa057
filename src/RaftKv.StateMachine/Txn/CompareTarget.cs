namespace RaftKv.StateMachine;

/// <summary>What a transaction comparison looks at. On the wire: "version", "createRevision", "modRevision", "value", "lease".</summary>
public enum CompareTarget
{
    Version,
    CreateRevision,
    ModRevision,
    Value,
    Lease,
}
