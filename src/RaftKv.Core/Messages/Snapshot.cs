namespace RaftKv.Core;

/// <summary>A state-machine snapshot: everything up to and including <see cref="SnapshotMetadata.Index"/>.</summary>
public sealed record Snapshot(SnapshotMetadata Metadata, byte[] Data);
