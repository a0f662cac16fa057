namespace RaftKv.Linearizability;

/// <summary>What a client asked the key-value store to do.</summary>
public enum OpKind
{
    /// <summary>Set one key, optionally guarded (<see cref="Operation.Guard"/>).</summary>
    Set,

    /// <summary>Read one key.</summary>
    Get,

    /// <summary>Delete one key, optionally guarded (<see cref="Operation.Guard"/>).</summary>
    Delete,

    /// <summary>A transaction (<see cref="Operation.Txn"/>): comparisons, then one branch, as one atomic step on several keys.</summary>
    Txn,
}
