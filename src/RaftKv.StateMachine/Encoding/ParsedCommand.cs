namespace RaftKv.StateMachine;

/// <summary>
/// A command read without copying: <see cref="Value"/> is a slice of the input bytes (the value as
/// written), <see cref="Key"/> is unescaped into the caller's scratch buffer.
/// Apply looks keys up by span, so overwriting or deleting an existing key allocates no string.
/// </summary>
internal readonly ref struct ParsedCommand
{
    public KvOp Op { get; init; }

    /// <summary>Set and delete: the key. Register: empty.</summary>
    public ReadOnlySpan<char> Key { get; init; }

    /// <summary>The raw UTF-8 JSON of the value (set only).</summary>
    public ReadOnlySpan<byte> Value { get; init; }

    /// <summary>The session id, or 0 for a write outside any session (and for register).</summary>
    public long Session { get; init; }

    public long Seq { get; init; }

    public bool HasSession => Session != 0;

    /// <summary>Delete: <see cref="Key"/> is a prefix.</summary>
    public bool Prefix { get; init; }

    /// <summary>Set: the lease to attach to (0: none). LeaseRevoke: the lease.</summary>
    public long Lease { get; init; }

    /// <summary>LeaseGrant: seconds.</summary>
    public long Ttl { get; init; }

    /// <summary>Txn: the transaction, parsed and checked.</summary>
    public TxnRequest? Txn { get; init; }
}
