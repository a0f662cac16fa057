namespace RaftKv.Storage.Wal;

/// <summary>
/// The kinds of WAL record, stored in the low 7 bits of the record's type byte; the high bit is
/// <see cref="RecordFormat.EndOfBatchFlag"/>. Values are part of the on-disk format: never renumber.
/// </summary>
internal enum RecordType : byte
{
    /// <summary>First record of every segment: its sequence number, first index and whether it starts a new log after a snapshot.</summary>
    SegmentHeader = 1,

    /// <summary>One log entry: index, term, entry type, data.</summary>
    Entry = 2,

    /// <summary>Term, vote and commit index; the newest one wins.</summary>
    HardState = 3,
}
