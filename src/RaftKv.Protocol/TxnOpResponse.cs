namespace RaftKv.Protocol;

/// <summary>The result of one operation of a transaction branch, in the order the operations were given.</summary>
public sealed record TxnOpResponse
{
    /// <summary>"set", "delete" or "get".</summary>
    public required string Op { get; init; }

    /// <summary>get: the keys read (in ordinal key order).</summary>
    public KeyValue[]? Kvs { get; init; }

    /// <summary>delete: how many keys were removed.</summary>
    public long? Deleted { get; init; }
}
