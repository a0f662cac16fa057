namespace RaftKv.Linearizability;

/// <summary>What a transaction comparison looks at. The checker models values, versions and mod revisions.</summary>
public enum CompareTarget
{
    /// <summary>The value (only = and !=; a missing key has no value, so = is false and != true).</summary>
    Value,

    /// <summary>The version; 0 when the key is missing.</summary>
    Version,

    /// <summary>The revision of the key's latest write (only = and !=); 0 when the key is missing.</summary>
    ModRevision,
}
