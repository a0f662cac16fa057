using System.Text.Json.Serialization;

namespace RaftKv.Protocol;

/// <summary>Operations a client may request. On the wire they are the lower-camel-case names: "set", "get", ...</summary>
public enum ClientOp
{
    /// <summary>Write <see cref="ClientRequest.Value"/> under <see cref="ClientRequest.Key"/> (through the Raft log).</summary>
    [JsonStringEnumMemberName("set")]
    Set,

    /// <summary>Read one key, or every key when <see cref="ClientRequest.Key"/> is null (linearizable unless Stale).</summary>
    [JsonStringEnumMemberName("get")]
    Get,

    /// <summary>Remove a key (through the Raft log).</summary>
    [JsonStringEnumMemberName("delete")]
    Delete,

    /// <summary>
    /// Open a client session through the log (docs/PROTOCOL.md, "Sessions"): the answer's
    /// <see cref="ClientResponse.Session"/> is the new session's id, to send with every write.
    /// </summary>
    [JsonStringEnumMemberName("register")]
    Register,

    /// <summary>This node's view: role, term, indexes, leader. Answered by any node.</summary>
    [JsonStringEnumMemberName("status")]
    Status,

    /// <summary>This node's log entries from <see cref="ClientRequest.From"/> (at most <see cref="ClientRequest.Limit"/>). Answered by any node.</summary>
    [JsonStringEnumMemberName("log")]
    Log,

    /// <summary>Apply <see cref="ClientRequest.Txn"/> atomically, as one log entry (see docs/PROTOCOL.md for the document).</summary>
    [JsonStringEnumMemberName("txn")]
    Txn,

    /// <summary>Create a lease of <see cref="ClientRequest.Ttl"/> seconds; the response's LeaseId names it.</summary>
    [JsonStringEnumMemberName("leaseGrant")]
    LeaseGrant,

    /// <summary>Delete lease <see cref="ClientRequest.Lease"/> and every key attached to it (through the log).</summary>
    [JsonStringEnumMemberName("leaseRevoke")]
    LeaseRevoke,

    /// <summary>Restart the countdown of lease <see cref="ClientRequest.Lease"/> at its full TTL (leader only, not logged).</summary>
    [JsonStringEnumMemberName("leaseKeepAlive")]
    LeaseKeepAlive,

    /// <summary>Lease <see cref="ClientRequest.Lease"/>: TTL, seconds left and keys (leader).</summary>
    [JsonStringEnumMemberName("leaseTtl")]
    LeaseTtl,

    /// <summary>Every lease (leader).</summary>
    [JsonStringEnumMemberName("leaseList")]
    LeaseList,

    /// <summary>Stream changes of a key or prefix from <see cref="ClientRequest.FromRevision"/>; answered by any node, many responses with the request's id.</summary>
    [JsonStringEnumMemberName("watch")]
    Watch,
}
