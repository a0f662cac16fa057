namespace RaftKv.Protocol;

/// <summary>
/// The first frame on every connection says who is calling. A client sends
/// <c>{"role":"client"}</c>; a peer sends its cluster id and node id, and a node of another
/// cluster is refused. A leader streaming a snapshot opens a connection of its own with role
/// <c>peer-snapshot</c>.
/// </summary>
public sealed record Hello
{
    public const string ClientRole = "client";
    public const string PeerRole = "peer";

    /// <summary>A peer connection that carries one streamed InstallSnapshot (docs/PROTOCOL.md "Snapshot streams") and then closes.</summary>
    public const string SnapshotRole = "peer-snapshot";

    public required string Role { get; init; }
    public string? ClusterId { get; init; }
    public int? NodeId { get; init; }
}
