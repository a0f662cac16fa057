using System.Text.Json.Serialization;

namespace RaftKv.StateMachine;

/// <summary>What a <see cref="KvCommand"/> (or one operation of a transaction) does. On the wire: the lower-camel-case names.</summary>
public enum KvOp
{
    /// <summary>Store <see cref="KvCommand.Value"/> under <see cref="KvCommand.Key"/>, replacing any old value.</summary>
    [JsonStringEnumMemberName("set")]
    Set,

    /// <summary>Remove <see cref="KvCommand.Key"/> (or every key with that prefix); removing a missing key is not an error (the result says it was not found).</summary>
    [JsonStringEnumMemberName("delete")]
    Delete,

    /// <summary>Compare, then run the success or the failure operations, atomically (<see cref="KvCommand.Txn"/>).</summary>
    [JsonStringEnumMemberName("txn")]
    Txn,

    /// <summary>Create a lease of <see cref="KvCommand.Ttl"/> seconds; its id is the revision (log index) of this command.</summary>
    [JsonStringEnumMemberName("leaseGrant")]
    LeaseGrant,

    /// <summary>Remove lease <see cref="KvCommand.Lease"/> and delete every key attached to it (also how the leader expires a lease).</summary>
    [JsonStringEnumMemberName("leaseRevoke")]
    LeaseRevoke,

    /// <summary>Read a key or prefix; only inside a transaction.</summary>
    [JsonStringEnumMemberName("get")]
    Get,
    /// <summary>
    /// Open a client session (Raft thesis §6.3). It takes no key, value, session or seq: the log index
    /// the entry is applied at becomes the new session's id (see <see cref="SessionRules"/>).
    /// </summary>
    [JsonStringEnumMemberName("register")]
    Register,
}
