using System.Text.Json;

namespace RaftKv.Client;

/// <summary>
/// Conditions and a lease for a set or delete. With any condition the write is applied only if it holds;
/// otherwise nothing changes and the response is ConditionFailed with the key as it is (Kv).
/// </summary>
public sealed record WriteOptions
{
    /// <summary>Only if the key does not exist.</summary>
    public bool IfAbsent { get; init; }

    /// <summary>Only if the key's version is this (0: the key does not exist).</summary>
    public long? IfVersion { get; init; }

    /// <summary>Only if the key's last write had this revision.</summary>
    public long? IfModRevision { get; init; }

    /// <summary>Only if the key exists with this JSON value.</summary>
    public JsonElement? IfValue { get; init; }

    /// <summary>Set only: attach the key to this lease; it is deleted when the lease expires or is revoked.</summary>
    public long? Lease { get; init; }
}
