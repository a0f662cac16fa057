namespace RaftKv.Client;

/// <summary>Limits the client enforces before sending, so bad input never reaches the cluster.</summary>
public static class ClientLimits
{
    /// <summary>Largest value, as UTF-8 JSON text: 1 MiB.</summary>
    public const int MaxValueBytes = RaftKv.Protocol.ProtocolLimits.MaxValueBytes;

    /// <summary>Largest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = RaftKv.Protocol.ProtocolLimits.MaxKeyBytes;

    /// <summary>Largest response frame the client accepts (a get of every key can be big).</summary>
    public const int MaxResponseFrameBytes = RaftKv.Protocol.ProtocolLimits.MaxResponseFrameBytes;

    /// <summary>Longest lease TTL in seconds (a year), as the nodes enforce it.</summary>
    public const long MaxLeaseTtlSeconds = RaftKv.Protocol.ProtocolLimits.MaxLeaseTtlSeconds;
}
