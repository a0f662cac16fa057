namespace RaftKv.StateMachine;

/// <summary>Limits every node enforces the same way (docs/PROTOCOL.md).</summary>
public static class KvLimits
{
    /// <summary>Longest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = RaftKv.Protocol.ProtocolLimits.MaxKeyBytes;

    /// <summary>Longest lease TTL, in seconds (a year).</summary>
    public const long MaxLeaseTtlSeconds = RaftKv.Protocol.ProtocolLimits.MaxLeaseTtlSeconds;
}
