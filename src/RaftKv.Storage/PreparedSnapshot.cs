using RaftKv.Core;
using RaftKv.Storage.Snapshots;

namespace RaftKv.Storage;

/// <summary>
/// A snapshot file <see cref="RaftStorage.PrepareSnapshot"/> wrote, not yet the data directory's snapshot:
/// <see cref="RaftStorage.Compact(PreparedSnapshot)"/> makes it so.
/// </summary>
public sealed class PreparedSnapshot
{
    internal PreparedSnapshot(SnapshotFile file, Snapshot snapshot)
    {
        File = file;
        Snapshot = snapshot;
    }

    internal SnapshotFile File { get; }

    /// <summary>The snapshot, its data a handle on the file.</summary>
    public Snapshot Snapshot { get; }
}
