using System.Text.Json.Serialization;

namespace RaftKv.Protocol;

/// <summary>The outcome of a client request.</summary>
public enum ClientStatus
{
    /// <summary>Done. For a write: committed and applied.</summary>
    [JsonStringEnumMemberName("ok")]
    Ok,

    /// <summary>A get or delete of a key that does not exist.</summary>
    [JsonStringEnumMemberName("notFound")]
    NotFound,

    /// <summary>This node is not the leader; <see cref="ClientResponse.LeaderId"/>/<see cref="ClientResponse.LeaderAddress"/> say who is, when known.</summary>
    [JsonStringEnumMemberName("notLeader")]
    NotLeader,

    /// <summary>The node could not finish the request in time (no quorum, election under way). A write's outcome is unknown.</summary>
    [JsonStringEnumMemberName("unavailable")]
    Unavailable,

    /// <summary>The request is malformed (missing key, value too large, ...). Nothing was changed.</summary>
    [JsonStringEnumMemberName("badRequest")]
    BadRequest,

    /// <summary>A guarded set or delete whose condition did not hold: nothing changed; Kv is the key as it is (absent when missing).</summary>
    [JsonStringEnumMemberName("conditionFailed")]
    ConditionFailed,

    /// <summary>A watch from a revision whose events this node no longer holds; CompactRevision is the earliest it can serve.</summary>
    [JsonStringEnumMemberName("compacted")]
    Compacted,

    /// <summary>The node ended a watch (it fell too far behind, or the node is stopping); Error says why. Resume from the last revision seen + 1.</summary>
    [JsonStringEnumMemberName("watchCanceled")]
    WatchCanceled,
    /// <summary>
    /// The write names a session that does not exist (never registered, or expired). It was not applied.
    /// Register a new session; whether an earlier attempt of the same write was applied can no longer be known.
    /// </summary>
    [JsonStringEnumMemberName("sessionExpired")]
    SessionExpired,
}
