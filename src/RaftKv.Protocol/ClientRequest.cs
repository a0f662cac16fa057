using System.Text.Json;
using System.Text.Json.Serialization;

namespace RaftKv.Protocol;

/// <summary>
/// A client request. <see cref="Id"/> matches the response to the request, so a client may have
/// many requests in flight on one connection. <see cref="ClientId"/> and <see cref="Seq"/> make
/// writes idempotent: a retried write with the same pair is answered from the remembered result and
/// never applied twice.
/// </summary>
public sealed record ClientRequest
{
    public long Id { get; init; }
    public required ClientOp Op { get; init; }
    public string? Key { get; init; }

    /// <summary>The JSON value to store (set only). Any JSON value, kept as written; <c>"value":null</c> stores null.</summary>
    [JsonConverter(typeof(PresentJsonValueConverter))]
    public JsonElement? Value { get; init; }

    public string? ClientId { get; init; }
    public long Seq { get; init; }

    /// <summary>Get only: answer from this node's state without confirming leadership (may be stale).</summary>
    public bool Stale { get; init; }

    /// <summary>Log only: first index to return (default: the first in the log).</summary>
    public long? From { get; init; }

    /// <summary>Log only: most entries to return.</summary>
    public int? Limit { get; init; }

    /// <summary>memberAdd, memberPromote, memberRemove, transferLeader: the node the operation is about.</summary>
    public int? NodeId { get; init; }

    /// <summary>memberAdd: where the new member listens, "host:port" (IPv6 in brackets).</summary>
    public string? Address { get; init; }
}
