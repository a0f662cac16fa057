using RaftKv.Core;

namespace RaftKv.Replica.Io;

/// <summary>
/// Store <see cref="Snapshot"/> (taken by this node's state machine) and compact the log up to it. The storage only
/// compacts what it knows is committed, so <see cref="HardState"/>, when set, is written first.
/// </summary>
public sealed record CompactRequest(long Id, HardState? HardState, Snapshot Snapshot);
