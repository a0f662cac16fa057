namespace RaftKv.Core;

/// <summary>Where a snapshot ends in the log, and the membership in force at that point.</summary>
public sealed record SnapshotMetadata(long Index, long Term, ClusterConfig Config);
