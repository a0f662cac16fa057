using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftKv.StateMachine;

/// <summary>
/// One command of the key-value store, as carried in a Raft log entry (see <see cref="KvCommandCodec"/>).
/// A write names its client session (<see cref="Session"/>, the log index of the session's register
/// entry) and its request number in that session (<see cref="Seq"/>), so a retried request that was
/// already applied is answered from the remembered result instead of being applied twice, and a
/// request of a session that expired is refused (see <see cref="SessionRules"/>).
/// </summary>
public sealed record KvCommand
{
    public KvOp Op { get; init; }

    /// <summary>Set, delete: the key (non-empty unless <see cref="Prefix"/>). Null for the other ops (register among them).</summary>
    public string? Key { get; init; }

    /// <summary>
    /// Set: the JSON value to store, kept as written (null means the JSON value <c>null</c>).
    /// Otherwise must be null.
    /// </summary>
    [JsonConverter(typeof(RawJsonValueConverter))]
    public JsonElement? Value { get; init; }

    /// <summary>Delete: <see cref="Key"/> is a prefix and every key starting with it is removed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Prefix { get; init; }

    /// <summary>Set: the lease to attach the key to (0: none). LeaseRevoke: the lease to remove.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Lease { get; init; }

    /// <summary>LeaseGrant: the time to live in seconds (at least 1).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Ttl { get; init; }

    /// <summary>Txn: the document <c>{"compare":[...],"success":[...],"failure":[...]}</c> (see <see cref="TxnParser"/>).</summary>
    [JsonConverter(typeof(RawJsonValueConverter))]
    public JsonElement? Txn { get; init; }

    /// <summary>The session the write belongs to (its id, at least 1), or 0 for a write outside any session.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Session { get; init; }

    /// <summary>The request number within <see cref="Session"/> (at least 1 with a session, 0 without).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Seq { get; init; }
}
