namespace RaftKv.Storage.Wal;

/// <summary>
/// The first record of a segment. It repeats what the file name says, so a renamed or misplaced file is
/// caught, and says whether the segment starts a new log after a snapshot received from the leader
/// (then the entries before it are void and the segment does not continue its predecessor).
/// </summary>
/// <param name="Sequence">1 for the first segment ever written, then +1 for each new segment.</param>
/// <param name="FirstIndex">The index the log's next entry had when the segment was started (last index + 1).</param>
/// <param name="StartsNewLog">True when the log was reset to a snapshot ending at <c>FirstIndex - 1</c>.</param>
/// <param name="SnapshotTerm">The term of that snapshot when <paramref name="StartsNewLog"/>, else 0.</param>
internal readonly record struct SegmentHeader(long Sequence, long FirstIndex, bool StartsNewLog, long SnapshotTerm);
