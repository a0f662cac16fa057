using System.Text.Json;

namespace RaftKv.Protocol;

/// <summary>The answer to a <see cref="ClientRequest"/> with the same <see cref="Id"/>.</summary>
public sealed record ClientResponse
{
    public long Id { get; init; }
    public ClientStatus Status { get; init; }

    /// <summary>Who this node believes leads (every response carries it, when known).</summary>
    public int? LeaderId { get; init; }
    public string? LeaderAddress { get; init; }

    /// <summary>Get of one key: the value. Set: the value stored.</summary>
    public JsonElement? Value { get; init; }

    /// <summary>Get without a key: every key and value.</summary>
    public Dictionary<string, JsonElement>? Values { get; init; }

    /// <summary>Writes: the log index the write was committed at.</summary>
    public long? Index { get; init; }

    /// <summary>Register: the new session's id (the log index of its register entry).</summary>
    public long? Session { get; init; }

    public NodeStatus? Node { get; init; }
    public LogEntryView[]? Entries { get; init; }

    /// <summary>memberList (and every status): the members of the cluster.</summary>
    public MemberView[]? Members { get; init; }

    /// <summary>A human-readable reason for anything but Ok.</summary>
    public string? Error { get; init; }

    /// <summary>The revision (log index) of the state this response reflects; for a write, the write's own revision.</summary>
    public long? Revision { get; init; }

    /// <summary>Get of one key: the key with its revisions. ConditionFailed: the key as it is now (null if absent).</summary>
    public KeyValue? Kv { get; init; }

    /// <summary>Get of a range: the keys in ordinal order (at most the limit; without values when keysOnly; absent when countOnly).</summary>
    public KeyValue[]? Kvs { get; init; }

    /// <summary>Get of a range: how many keys are in the range (all of them, not only those returned).</summary>
    public long? Count { get; init; }

    /// <summary>Get of a range: true when the limit cut the result short.</summary>
    public bool? More { get; init; }

    /// <summary>Delete: how many keys were removed.</summary>
    public long? Deleted { get; init; }

    /// <summary>Txn: true when every comparison held and the success branch ran.</summary>
    public bool? Succeeded { get; init; }

    /// <summary>Txn: the results of the branch that ran, one per operation.</summary>
    public TxnOpResponse[]? Responses { get; init; }

    /// <summary>LeaseGrant: the new lease's id.</summary>
    public long? LeaseId { get; init; }

    /// <summary>LeaseTtl, LeaseKeepAlive: the lease. LeaseList: every lease.</summary>
    public LeaseView? Lease { get; init; }

    public LeaseView[]? Leases { get; init; }

    /// <summary>Watch: the next events, in revision order.</summary>
    public WatchEvent[]? Events { get; init; }

    /// <summary>Compacted: the earliest revision this node can still stream from.</summary>
    public long? CompactRevision { get; init; }

    /// <summary>Log: the entries up to this index are compacted into the node's snapshot (0: none are).</summary>
    public long? CompactedThrough { get; init; }

    /// <summary>Snapshot: the term of the entry at <see cref="Index"/>, the last one the snapshot covers.</summary>
    public long? SnapshotTerm { get; init; }

    /// <summary>Snapshot: the bytes of the snapshot file that follow in <see cref="Chunk"/>s.</summary>
    public long? Length { get; init; }

    /// <summary>Snapshot: CRC-64 (ECMA-182) of all the file's bytes.</summary>
    public ulong? Checksum { get; init; }

    /// <summary>Snapshot: the next bytes of the snapshot file (base64 in JSON), at most 1 MiB.</summary>
    public byte[]? Chunk { get; init; }
}
