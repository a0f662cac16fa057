namespace RaftKv.Ctl.Bench;

/// <summary>What one bench client measured; owned by that client alone until the run ends, so nothing in it is shared.</summary>
internal sealed class ClientStats
{
    public LatencyHistogram Writes { get; } = new();
    public LatencyHistogram Reads { get; } = new();
    public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);
}
