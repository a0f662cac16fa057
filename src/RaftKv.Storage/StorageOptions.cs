namespace RaftKv.Storage;

/// <summary>Tuning of <see cref="RaftStorage"/>. The defaults are what a production node wants.</summary>
public sealed record StorageOptions
{
    public const long MinSegmentBytes = 256;
    public const long MaxSegmentBytes = 1L << 30;

    /// <summary>
    /// A segment file is closed and a new one started when the next batch would take it past this size
    /// (a single batch larger than this gets a segment of its own). Compaction deletes whole segments,
    /// so smaller segments free disk sooner; larger ones mean fewer files and directory fsyncs.
    /// </summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Make each batch durable (fdatasync) before <see cref="RaftStorage.Save"/> returns. Turning it off
    /// breaks Raft's guarantees on power loss; it exists only for tests and benchmarks of the format.
    /// </summary>
    public bool Fsync { get; init; } = true;

    /// <summary>
    /// Bytes per second a snapshot of this node's own state (<see cref="RaftStorage.PrepareSnapshot"/>) is written at, at
    /// most; 0 (the default) for no limit. A paced snapshot leaves the disk room for the log's fdatasyncs, which a snapshot written flat
    /// out makes queue behind it; the log is compacted later for it. Snapshots from the leader are not paced.
    /// </summary>
    public long SnapshotWriteBytesPerSecond { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the value that is wrong and why.</summary>
    public void Validate()
    {
        if (SegmentBytes is < MinSegmentBytes or > MaxSegmentBytes)
        {
            throw new ArgumentOutOfRangeException(
                nameof(SegmentBytes), SegmentBytes, $"SegmentBytes must be between {MinSegmentBytes} and {MaxSegmentBytes} bytes");
        }
        if (SnapshotWriteBytesPerSecond < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(SnapshotWriteBytesPerSecond), SnapshotWriteBytesPerSecond, "SnapshotWriteBytesPerSecond must be 0 (no limit) or more");
        }
    }
}
