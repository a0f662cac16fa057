namespace RaftKv.Protocol;

/// <summary>The limits of the wire protocol (docs/PROTOCOL.md), in one place for the client, the nodes and raftctl.</summary>
public static class ProtocolLimits
{
    /// <summary>Longest key accepted, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 4096;

    /// <summary>Largest value accepted by default, as UTF-8 JSON text: 1 MiB (a node may be configured lower).</summary>
    public const int MaxValueBytes = 1 << 20;

    /// <summary>Default largest frame payload a client connection may send.</summary>
    public const int DefaultMaxClientFrameBytes = 4 << 20;

    /// <summary>
    /// Default largest frame payload a peer may send. Snapshots never travel in one frame (they are streamed in chunks
    /// on their own connection), so this bounds one batch of entries.
    /// </summary>
    public const int DefaultMaxPeerFrameBytes = 256 << 20;

    /// <summary>Largest response frame a client accepts (a get of every key can be big).</summary>
    public const int MaxResponseFrameBytes = 256 << 20;

    /// <summary>Longest lease TTL, in seconds (a year).</summary>
    public const long MaxLeaseTtlSeconds = 365L * 24 * 3600;
}
