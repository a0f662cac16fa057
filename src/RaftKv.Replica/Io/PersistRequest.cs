using RaftKv.Core;

namespace RaftKv.Replica.Io;

/// <summary>
/// One batch to make durable with one fsync: a snapshot from the leader (first), entries (which may overwrite a
/// suffix), then the hard state. <see cref="Id"/> rises by one per request.
/// </summary>
public sealed record PersistRequest(long Id, HardState? HardState, IReadOnlyList<Entry> Entries, Snapshot? Snapshot);
