namespace RaftKv.Core;

/// <summary>Where a snapshot ends in the log, and the membership in force at that point.</summary>
public sealed record SnapshotMetadata(long Index, long Term, ClusterConfig Config);

/// <summary>A state-machine snapshot: everything up to and including <see cref="SnapshotMetadata.Index"/>.</summary>
public sealed record Snapshot(SnapshotMetadata Metadata, byte[] Data);
