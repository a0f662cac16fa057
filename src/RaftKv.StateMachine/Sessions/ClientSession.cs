namespace RaftKv.StateMachine;

/// <summary>
/// What the state machine remembers of one registered session: its id (the log index of its register
/// entry), its last applied request number and that request's result, and the log index at which the
/// session was last used (for expiry).
/// </summary>
internal sealed class ClientSession(long id)
{
    public long Id { get; } = id;

    /// <summary>The seq of the last applied write; 0 before the first.</summary>
    public long Seq { get; set; }

    public bool Found { get; set; }

    /// <summary>The stored value of the last result (set), shared with the data table: stored values are never mutated.</summary>
    public byte[]? Value { get; set; }

    /// <summary>The log index of the entry that last used this session.</summary>
    public long LastIndex { get; set; }

    /// <summary>
    /// The revision (log index) the last applied write was applied at, which a retry of it is answered with;
    /// 0 when unknown (none yet, or the session came from a snapshot, which does not keep it).
    /// </summary>
    public long Revision { get; set; }

    // Neighbours in the table's recency list, oldest to newest.
    internal ClientSession? Older { get; set; }
    internal ClientSession? Newer { get; set; }

    public KvResult RememberedResult() => new KvResult(Found, Value, KvResultKind.Remembered) with { Revision = Revision };
}
