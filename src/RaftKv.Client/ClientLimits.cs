namespace RaftKv.Client;

/// <summary>Limits the client enforces before sending, so bad input never reaches the cluster.</summary>
public static class ClientLimits
{
    /// <summary>Largest value, as UTF-8 JSON text: 1 MiB.</summary>
    public const int MaxValueBytes = 1 << 20;

    /// <summary>Largest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 4096;

    /// <summary>Largest response frame the client accepts (a get of every key can be big).</summary>
    public const int MaxResponseFrameBytes = 256 << 20;

    /// <summary>Longest lease TTL in seconds (a year), as the nodes enforce it.</summary>
    public const long MaxLeaseTtlSeconds = 365L * 24 * 3600;
}
