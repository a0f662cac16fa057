namespace RaftKv.Protocol;

/// <summary>The limits of the client protocol (docs/PROTOCOL.md), in one place for the client, the replica and raftctl.</summary>
public static class ProtocolLimits
{
    /// <summary>Longest key accepted, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 4096;

    /// <summary>Largest value accepted by default, as UTF-8 JSON text: 1 MiB (a node may be configured lower).</summary>
    public const int MaxValueBytes = 1 << 20;

    /// <summary>Longest lease TTL, in seconds (a year).</summary>
    public const long MaxLeaseTtlSeconds = 365L * 24 * 3600;
}
