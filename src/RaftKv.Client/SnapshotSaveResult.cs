namespace RaftKv.Client;

/// <summary>What <see cref="RaftClient.SaveSnapshotAsync"/> saved: the snapshot's last index and its term, size and CRC-64 (ECMA-182).</summary>
public sealed record SnapshotSaveResult(int LeaderId, long Index, long Term, long Length, ulong Checksum);
