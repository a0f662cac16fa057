namespace RaftKv.Core;

/// <summary>
/// A state-machine snapshot: everything up to and including <see cref="SnapshotMetadata.Index"/>. The core carries
/// <see cref="Data"/> as an opaque handle (a file, in a node) and never reads it.
/// </summary>
public sealed record Snapshot(SnapshotMetadata Metadata, ISnapshotData Data);
