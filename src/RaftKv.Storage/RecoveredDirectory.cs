using RaftKv.Core;
using RaftKv.Storage.Log;
using RaftKv.Storage.Snapshots;
using RaftKv.Storage.Wal;

namespace RaftKv.Storage;

/// <summary>Everything recovery hands to a new <see cref="RaftStorage"/>.</summary>
internal sealed record RecoveredDirectory(
    List<SegmentFile> Segments,
    List<SnapshotFile> Snapshots,
    SnapshotFile? CurrentSnapshot,
    long NextSequence,
    LogTracker Log,
    PersistentState State,
    RecoveryReport Report);
