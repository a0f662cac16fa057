using RaftKv.Core;

namespace RaftKv.Replica.Io;

/// <summary>
/// Write the snapshot of <see cref="View"/> (this node's state machine, frozen at <see cref="Metadata"/>'s index) to a
/// snapshot file and compact the log up to it. The serialising happens in the storage writer, off the replica's loop
/// (issue 9). The storage only compacts what it knows is committed, so <see cref="HardState"/>, when set, is written first.
/// </summary>
public sealed record CompactRequest(long Id, HardState? HardState, SnapshotMetadata Metadata, RaftKv.StateMachine.KvSnapshotView View)
{
    /// <summary>
    /// Streams the snapshot's data (the view, serialised) to <paramref name="output"/> through a bounded buffer. Costs time
    /// in proportion to the state; call off the loop.
    /// </summary>
    public void WriteData(Stream output) => View.WriteTo(output);

    /// <summary>The snapshot with its data in one array, for an in-memory storage (tests, the simulator); a node streams with <see cref="WriteData"/>.</summary>
    public Snapshot TakeSnapshot() => new(Metadata, new SnapshotBytes(View.Serialize()));
}
