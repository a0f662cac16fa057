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

    /// <summary>
    /// The cluster's members as the leader sees them (id, address, voter or learner, replication progress).
    /// Answered by the leader only; others answer notLeader.
    /// </summary>
    [JsonStringEnumMemberName("memberList")]
    MemberList,

    /// <summary>
    /// Add node <see cref="ClientRequest.NodeId"/> at <see cref="ClientRequest.Address"/> as a learner. Ok once the
    /// change is committed and applied. Retrying an add that already took effect answers ok.
    /// </summary>
    [JsonStringEnumMemberName("memberAdd")]
    MemberAdd,

    /// <summary>
    /// Make learner <see cref="ClientRequest.NodeId"/> a voter, once it has caught up (its log within
    /// <c>MemberView.MaxPromoteLag</c> entries of the leader's); before that the answer is unavailable, and the
    /// client retries until its timeout.
    /// </summary>
    [JsonStringEnumMemberName("memberPromote")]
    MemberPromote,

    /// <summary>
    /// Remove member <see cref="ClientRequest.NodeId"/> (voter or learner). Removing the leader first hands leadership
    /// to the most up-to-date voter (the answer is notLeader naming it; retry there).
    /// </summary>
    [JsonStringEnumMemberName("memberRemove")]
    MemberRemove,

    /// <summary>
    /// Hand leadership to voter <see cref="ClientRequest.NodeId"/> (thesis §3.10). Ok once that node leads;
    /// unavailable when it did not take over within two election timeouts.
    /// </summary>
    [JsonStringEnumMemberName("transferLeader")]
    TransferLeader,

    /// <summary>
    /// A backup (raftctl snapshot save): the leader freezes its state as applied now and streams it as a snapshot
    /// file, many responses with the request's id: first one with <see cref="ClientResponse.Index"/>,
    /// <see cref="ClientResponse.SnapshotTerm"/>, <see cref="ClientResponse.Length"/> and
    /// <see cref="ClientResponse.Checksum"/>, then responses carrying <see cref="ClientResponse.Chunk"/> until
    /// <c>length</c> bytes have come. Any other node answers <c>notLeader</c>.
    /// </summary>
    [JsonStringEnumMemberName("snapshot")]
    Snapshot,
}
