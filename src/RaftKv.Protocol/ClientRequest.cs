using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftKv.Protocol;

/// <summary>
/// A client request. <see cref="Id"/> matches the response to the request, so a client may have
/// many requests in flight on one connection. <see cref="Session"/> and <see cref="Seq"/> make
/// writes idempotent: a retried write with the same pair is answered from the remembered result and
/// never applied twice (docs/PROTOCOL.md, "Sessions").
/// </summary>
public sealed record ClientRequest
{
    public long Id { get; init; }
    public required ClientOp Op { get; init; }
    public string? Key { get; init; }

    /// <summary>The JSON value to store (set only). Any JSON value, kept as written; <c>"value":null</c> stores null.</summary>
    [JsonConverter(typeof(PresentJsonValueConverter))]
    public JsonElement? Value { get; init; }

    /// <summary>Writes: the session id a register answered with. Absent: a write outside any session, not safe to retry.</summary>
    public long? Session { get; init; }

    /// <summary>Writes with a session: the write's number within it, from 1.</summary>
    public long Seq { get; init; }

    /// <summary>
    /// Retired: sessions named by the client were replaced by registered sessions (<see cref="Session"/>).
    /// A write that still carries it is refused with BadRequest rather than silently applied without protection.
    /// </summary>
    public string? ClientId { get; init; }

    /// <summary>Get only: answer from this node's state without confirming leadership (may be stale).</summary>
    public bool Stale { get; init; }

    /// <summary>Log only: first index to return (default: the first in the log).</summary>
    public long? From { get; init; }

    /// <summary>Log only: most entries to return.</summary>
    public int? Limit { get; init; }

    /// <summary>Get, delete, watch: <see cref="Key"/> is a prefix (it may then be empty: every key).</summary>
    public bool Prefix { get; init; }

    /// <summary>Get: read the half-open range [<see cref="Key"/>, <see cref="End"/>) in ordinal key order; "" means to the last key.</summary>
    public string? End { get; init; }

    /// <summary>Get of a range: return keys without values.</summary>
    public bool KeysOnly { get; init; }

    /// <summary>Get of a range: return only the count.</summary>
    public bool CountOnly { get; init; }

    /// <summary>Set/delete guard: only if the key does not exist.</summary>
    public bool IfAbsent { get; init; }

    /// <summary>Set/delete guard: only if the key's version is this (0: absent).</summary>
    public long? IfVersion { get; init; }

    /// <summary>Set/delete guard: only if the key's modRevision is this (0: absent).</summary>
    public long? IfModRevision { get; init; }

    /// <summary>Set/delete guard: only if the key exists with this JSON value (compared as JSON, so 1.0 equals 1.0 but not "1.0").</summary>
    [JsonConverter(typeof(PresentJsonValueConverter))]
    public JsonElement? IfValue { get; init; }

    /// <summary>Set: attach the key to this lease. Lease ops: the lease id.</summary>
    public long? Lease { get; init; }

    /// <summary>LeaseGrant: time to live in seconds.</summary>
    public long? Ttl { get; init; }

    /// <summary>Txn: the document <c>{"compare":[...],"success":[...],"failure":[...]}</c>.</summary>
    public JsonElement? Txn { get; init; }

    /// <summary>Watch: first revision to deliver (default: the node's current revision + 1, i.e. changes from now on).</summary>
    public long? FromRevision { get; init; }

    /// <summary>memberAdd, memberPromote, memberRemove, transferLeader: the node the operation is about.</summary>
    public int? NodeId { get; init; }

    /// <summary>memberAdd: where the new member listens, "host:port" (IPv6 in brackets).</summary>
    public string? Address { get; init; }
}
