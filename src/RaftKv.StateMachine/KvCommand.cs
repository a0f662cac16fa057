using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftKv.StateMachine;

/// <summary>
/// One command of the key-value store, as carried in a Raft log entry (see <see cref="KvCommandCodec"/>).
/// <see cref="ClientId"/> and <see cref="Seq"/> identify the client request, so a retried request that
/// was already applied is answered from the remembered result instead of being applied twice.
/// </summary>
public sealed record KvCommand
{
    public KvOp Op { get; init; }

    /// <summary>Set, delete: the key (non-empty unless <see cref="Prefix"/>). Null for the other ops.</summary>
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

    /// <summary>The client that sent the request, or null for a write outside any client session.</summary>
    public string? ClientId { get; init; }

    /// <summary>The client's request number (0 or more; only meaningful with <see cref="ClientId"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Seq { get; init; }
}
