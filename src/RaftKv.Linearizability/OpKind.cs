namespace RaftKv.Linearizability;

/// <summary>What a client asked the key-value store to do with one key.</summary>
public enum OpKind
{
    Set,
    Get,
    Delete,
}
