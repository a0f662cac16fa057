using RaftKv.Core;

namespace RaftKv.Node.Events;

/// <summary>News from the storage writer: a request is durable, a compaction finished, the disk filled or has room again, or it failed for good.</summary>
public sealed class StorageEvent : NodeEvent
{
    private StorageEvent(StorageEventKind kind, long id, bool flag, Exception? failure, Snapshot? snapshot = null, Snapshot? received = null)
    {
        Snapshot = snapshot;
        Received = received;
        Kind = kind;
        Id = id;
        Flag = flag;
        Failure = failure;
    }

    public StorageEventKind Kind { get; }

    /// <summary>The request id (<see cref="StorageEventKind.Persisted"/>, <see cref="StorageEventKind.Compacted"/>).</summary>
    public long Id { get; }

    /// <summary>Compacted: the snapshot was stored. DiskFull: the disk is full (false: writable again).</summary>
    public bool Flag { get; }

    public Exception? Failure { get; }

    /// <summary>
    /// Compacted: the snapshot now durable (null when it could not be stored). Persisted: the leader's snapshot the request
    /// carried, as now stored in this node's snapshot file (null when it carried none, or a later request superseded it).
    /// </summary>
    public Snapshot? Snapshot { get; }

    /// <summary>Persisted: the leader's snapshot the request carried, as the transport handed it (its staging file is no longer needed once the core holds <see cref="Snapshot"/>).</summary>
    public Snapshot? Received { get; }

    public static StorageEvent Persisted(long id, Snapshot? stored = null, Snapshot? received = null) =>
        new(StorageEventKind.Persisted, id, false, null, stored, received);
    public static StorageEvent Compacted(long id, Snapshot? stored) => new(StorageEventKind.Compacted, id, stored is not null, null, stored);
    public static StorageEvent DiskFull(bool full) => new(StorageEventKind.DiskFull, 0, full, null);
    public static StorageEvent Failed(Exception failure) => new(StorageEventKind.Failed, 0, false, failure);
}
