namespace RaftKv.Protocol;

/// <summary>
/// The first frame on every connection says who is calling. A client sends
/// <c>{"role":"client"}</c>; a peer sends its cluster id and node id, and a node of another
/// cluster is refused.
/// </summary>
public sealed record Hello
{
    public const string ClientRole = "client";
    public const string PeerRole = "peer";

    public required string Role { get; init; }
    public string? ClusterId { get; init; }
    public int? NodeId { get; init; }
}
