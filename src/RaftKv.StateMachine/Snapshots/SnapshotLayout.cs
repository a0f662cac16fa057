namespace RaftKv.StateMachine;

/// <summary>
/// The byte layout of a state machine snapshot. All integers are little-endian; strings are UTF-8
/// with an i32 byte length in front; values are their stored JSON text with an i32 length in front.
/// <code>
/// magic "RKVS" | u32 version (3) | i64 applied index
/// i32 key count, then per key in ordinal order:   key | value | i64 create revision | i64 mod revision | i64 version | i64 lease
/// i32 lease count, then per lease by ascending id: i64 id | i64 ttl seconds
/// i32 session count, then per session, least recently used first:
///     i64 session id | i64 seq | i64 last index | u8 flags (1 = found, 2 = has value) | [value]
/// u64 XxHash3 of every byte before it
/// </code>
/// Keys in ordinal order, leases by id and sessions in log-index order make the bytes a function of the
/// state alone, so every node that applied the same entries writes the same snapshot. Version 1 (before
/// revisions and leases: no per-key revisions, no lease section) is still read; its keys get revision
/// = the applied index and version 1. Versions 1 and 2 named sessions by client-chosen strings
/// (<c>client id</c> instead of <c>i64 session id</c>): their keys and leases are read, their sessions
/// dropped, because they cannot become registered sessions. A retry of such a session is then answered
/// sessionExpired: refused, never applied twice.
/// </summary>
internal static class SnapshotLayout
{
    public const uint Version = 3;
    public const uint VersionWithClientIds = 2;
    public const uint VersionWithoutRevisions = 1;
    public const int HeaderBytes = 4 + 4 + 8;
    public const int ChecksumBytes = 8;
    public const byte FoundFlag = 1;
    public const byte HasValueFlag = 2;

    /// <summary>Smallest possible key record (1-byte key, 1-byte value), used to bound counts before allocating.</summary>
    public const int MinKeyRecordBytes = 4 + 1 + 4 + 1;

    /// <summary>Bytes of revisions and lease after each key's value (version 2).</summary>
    public const int KeyRevisionBytes = 4 * 8;

    public const int LeaseRecordBytes = 8 + 8;

    /// <summary>Smallest possible session record (version 3).</summary>
    public const int MinSessionRecordBytes = 8 + 8 + 8 + 1;

    /// <summary>Smallest possible session record of versions 1 and 2 (a 1-byte client id).</summary>
    public const int MinClientIdSessionRecordBytes = 4 + 1 + 8 + 8 + 1;

    public static ReadOnlySpan<byte> Magic => "RKVS"u8;
}
