namespace RaftKv.Replica.Io;

/// <summary>
/// The storage writer, seen from the replica: requests are carried out in the order given, and each completion
/// comes back as an event (<see cref="Replica.OnPersisted"/>, <see cref="Replica.OnCompacted"/>). The replica never
/// waits for the disk; durability is an event, as in etcd's asynchronous storage writes.
/// </summary>
public interface IStorageQueue
{
    /// <summary>
    /// Make the request durable (one fsync), retrying while the disk is full; then report <see cref="Replica.OnPersisted(long, Snapshot?)"/>,
    /// with the request's snapshot as stored when it carried one.
    /// </summary>
    void Persist(PersistRequest request);

    /// <summary>
    /// Stream the snapshot (<see cref="CompactRequest.WriteData"/>) into storage and drop the log it covers; report
    /// <see cref="Replica.OnCompacted"/> with the stored snapshot (its data a handle on what was stored), or null when it
    /// could not be stored.
    /// </summary>
    void Compact(CompactRequest request);
}
