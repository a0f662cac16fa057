namespace RaftKv.Client;

/// <summary>A watch asked for events older than every node still holds: they are gone, and nothing was skipped silently.</summary>
public sealed class WatchCompactedException(long earliestRevision, string message) : Exception(message)
{
    /// <summary>The earliest revision a watch can start from now.</summary>
    public long EarliestRevision { get; } = earliestRevision;
}
