using System.Buffers;
using RaftKv.Core;
using RaftKv.Storage.IO;
using RaftKv.Storage.Log;

namespace RaftKv.Storage.Wal;

/// <summary>
/// Rebuilds the log from the segments that follow a snapshot. Records are applied a batch at a time and
/// every step is checked against the same invariants the write path enforces (<see cref="LogTracker"/>),
/// so anything recovery accepts is a log that <see cref="RaftStorage.Save"/> could have written.
/// </summary>
/// <remarks>
/// The one repair it makes (when <c>repairTail</c> is set): a damaged or incomplete batch at the very end of
/// the last segment with no valid record after it is the write a crash interrupted. Its <c>Save</c> never
/// returned, so nothing in it was acknowledged, and it is cut off. Damage anywhere else throws
/// <see cref="CorruptLogException"/>.
/// </remarks>
internal sealed class WalReplayer
{
    private readonly long _snapshotIndex;
    private readonly long _snapshotTerm;
    private readonly bool _repairTail;
    private readonly bool _fsync;
    private readonly List<Entry> _entries = [];
    private readonly List<Frame> _batch = [];
    private readonly List<string> _notes = [];

    /// <summary>True while the tracked log starts mid-log (where replay began), not at a snapshot boundary.</summary>
    private bool _baseIsMidLog;

    private SegmentFile? _previous;
    private string _hardStateFile = "";
    private long _hardStateOffset;

    /// <param name="snapshotIndex">Index of the snapshot replay starts from (0 for none).</param>
    /// <param name="snapshotTerm">Its term (0 for none).</param>
    /// <param name="repairTail">Cut a torn write off the end of the last segment instead of calling it corrupt.</param>
    /// <param name="fsync">Make that cut durable.</param>
    public WalReplayer(long snapshotIndex, long snapshotTerm, bool repairTail, bool fsync)
    {
        _snapshotIndex = snapshotIndex;
        _snapshotTerm = snapshotTerm;
        _repairTail = repairTail;
        _fsync = fsync;
        Log = new LogTracker(snapshotIndex, snapshotIndex == 0 ? 0 : snapshotTerm);
    }

    public LogTracker Log { get; }

    /// <summary>The entries after the snapshot, in index order and contiguous.</summary>
    public List<Entry> Entries => _entries;

    public TornTail? TornTail { get; private set; }

    public IReadOnlyList<string> Notes => _notes;

    public int SegmentsReplayed { get; private set; }

    public long RecordsReplayed { get; private set; }

    /// <summary>
    /// Of all segments on disk (in sequence order), the index of the first one recovery needs: the newest that
    /// starts at or before <c>snapshotIndex + 1</c>. Older segments hold only entries the snapshot covers, and
    /// their hard state is repeated at the start of every later segment. -1 when there are no segments.
    /// </summary>
    public static int FirstNeeded(IReadOnlyList<SegmentFile> segments, long snapshotIndex)
    {
        for (var i = segments.Count - 1; i >= 0; i--)
        {
            if (segments[i].FirstIndex <= snapshotIndex + 1)
            {
                return i;
            }
        }
        if (segments.Count == 0)
        {
            return -1;
        }
        var first = segments[0];
        throw new CorruptLogException(first.Path, 0,
            $"the oldest segment starts at index {first.FirstIndex} but the newest valid snapshot ends at index {snapshotIndex}: " +
            $"entries {snapshotIndex + 1}..{first.FirstIndex - 1} are missing (a segment was deleted)");
    }

    /// <summary>
    /// Replays <paramref name="segments"/>, the needed ones in sequence order. In repair mode the last one may be
    /// truncated (its <see cref="SegmentFile.Length"/> is updated) or, if nothing of it is left, deleted and
    /// removed from the list.
    /// </summary>
    public void Replay(List<SegmentFile> segments)
    {
        for (var i = 0; i < segments.Count; i++)
        {
            var isLast = i == segments.Count - 1;
            if (!ReplaySegment(segments[i], isLast))
            {
                segments.RemoveAt(i);
                break;
            }
            _previous = segments[i];
            SegmentsReplayed++;
        }
        Finish(segments.Count > 0 ? segments[^1] : null);
    }

    /// <returns>False when the segment was empty (or wholly torn) and has been deleted.</returns>
    private bool ReplaySegment(SegmentFile segment, bool isLast)
    {
        using var handle = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = _repairTail ? RandomAccess.GetLength(handle) : segment.Length;
        if (length > Array.MaxLength)
        {
            throw new CorruptLogException(segment.Path, 0, $"segment file is {length} bytes, more than a segment can be");
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(length, 1));
        try
        {
            var bytes = buffer.AsSpan(0, (int)length);
            ReadExactly(handle, bytes, segment.Path);
            var end = ParseSegment(segment, bytes, isLast);
            if (end == length && length > 0)
            {
                segment.Length = length;
                return true;
            }
            handle.Dispose();
            return CutTail(segment, end, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Applies every whole batch of the segment; returns where the whole batches end.</summary>
    private int ParseSegment(SegmentFile segment, ReadOnlySpan<byte> bytes, bool isLast)
    {
        var offset = 0;
        var batchStart = 0;
        _batch.Clear();
        while (offset < bytes.Length)
        {
            var status = FrameReader.Read(bytes, offset, out var frame);
            if (status != FrameStatus.Valid)
            {
                var problem = FrameReader.Describe(status, bytes, offset);
                var torn = status is FrameStatus.RunsPastEnd or FrameStatus.ChecksumMismatch
                           && isLast && !FrameReader.AnyValidFrameAfter(bytes, offset);
                if (torn && _repairTail)
                {
                    TornTail = new TornTail(segment.Path, batchStart, bytes.Length - batchStart,
                        $"{problem} at offset {offset}, with nothing valid after it");
                    return batchStart;
                }
                var where = torn ? "at the end of the log" : isLast ? "and valid records follow it" : "in a segment that is not the last";
                throw new CorruptLogException(segment.Path, offset, $"{problem} ({where})");
            }
            var shapeProblem = RecordFormat.CheckPayloadLength(frame.Type, frame.PayloadLength);
            if (shapeProblem is not null)
            {
                throw new CorruptLogException(segment.Path, offset, shapeProblem);
            }
            if ((offset == 0) != (frame.Type == RecordType.SegmentHeader))
            {
                throw new CorruptLogException(segment.Path, offset, offset == 0
                    ? $"segment starts with a {frame.Type} record instead of a segment header"
                    : "a second segment header in the middle of a segment");
            }
            _batch.Add(frame);
            offset = frame.End;
            if (frame.EndOfBatch)
            {
                ApplyBatch(segment, bytes);
                _batch.Clear();
                batchStart = offset;
            }
        }
        if (_batch.Count > 0)
        {
            var problem = $"the file ends after {_batch.Count} record(s) of a batch whose last record is missing";
            if (isLast && _repairTail)
            {
                TornTail = new TornTail(segment.Path, batchStart, bytes.Length - batchStart, problem);
                return batchStart;
            }
            throw new CorruptLogException(segment.Path, batchStart, problem);
        }
        if (bytes.Length == 0 && !(isLast && _repairTail))
        {
            throw new CorruptLogException(segment.Path, 0, "segment file is empty");
        }
        return bytes.Length;
    }

    private void ApplyBatch(SegmentFile segment, ReadOnlySpan<byte> bytes)
    {
        foreach (var frame in _batch)
        {
            var payload = bytes.Slice(frame.PayloadOffset, frame.PayloadLength);
            var problem = frame.Type switch
            {
                RecordType.SegmentHeader => ApplySegmentHeader(segment, payload),
                RecordType.Entry => ApplyEntry(payload),
                RecordType.HardState => ApplyHardState(segment, frame.Offset, payload),
                _ => $"unexpected record type {frame.Type}",
            };
            if (problem is not null)
            {
                throw new CorruptLogException(segment.Path, frame.Offset, problem);
            }
            RecordsReplayed++;
        }
        var between = Log.CheckBetweenBatches(_snapshotIndex);
        if (between is not null)
        {
            throw new CorruptLogException(segment.Path, _batch[^1].Offset, between);
        }
    }

    private string? ApplySegmentHeader(SegmentFile segment, ReadOnlySpan<byte> payload)
    {
        if (RecordFormat.ReadSegmentHeader(payload) is not { } header)
        {
            return $"segment header of format version {payload[0]} (flags {payload[17]}), this build reads version {RecordFormat.FormatVersion}";
        }
        if (header.Sequence != segment.Sequence || header.FirstIndex != segment.FirstIndex)
        {
            return $"segment header says sequence {header.Sequence} first index {header.FirstIndex}, " +
                   $"but the file name says sequence {segment.Sequence} first index {segment.FirstIndex}";
        }
        if (header.StartsNewLog)
        {
            var resetIndex = header.FirstIndex - 1;
            if (_snapshotIndex < resetIndex || (_snapshotIndex == resetIndex && _snapshotTerm != header.SnapshotTerm))
            {
                return $"segment starts a new log after the snapshot at index {resetIndex} term {header.SnapshotTerm}, " +
                       $"but the newest valid snapshot is at index {_snapshotIndex} term {_snapshotTerm}: that snapshot is missing or damaged";
            }
            // A log reset does not continue its predecessor, so segments before it may be gone.
            Log.Reset(resetIndex, header.SnapshotTerm);
            _baseIsMidLog = false;
            _entries.Clear();
            return null;
        }
        if (_previous is null)
        {
            // Replay starts here, maybe in the middle of the log (older segments are covered by the snapshot).
            // The term of the entry before this segment is unknown: it may have been overwritten since.
            var baseIndex = header.FirstIndex - 1;
            Log.Reset(baseIndex, baseIndex == 0 ? 0 : null);
            _baseIsMidLog = baseIndex > 0;
            _entries.Clear();
            return null;
        }
        if (header.Sequence != _previous.Sequence + 1)
        {
            return $"segment {_previous.Sequence + 1} is missing: {Path.GetFileName(_previous.Path)} is followed by {Path.GetFileName(segment.Path)}";
        }
        if (header.FirstIndex != Log.LastIndex + 1)
        {
            return $"segment starts at index {header.FirstIndex} but the segments before it end at index {Log.LastIndex}: " +
                   "a segment is missing or was cut short";
        }
        return null;
    }

    private string? ApplyEntry(ReadOnlySpan<byte> payload)
    {
        var index = RecordFormat.ReadEntryIndex(payload);
        var term = RecordFormat.ReadEntryTerm(payload);
        var type = RecordFormat.ReadEntryType(payload);
        if (!Enum.IsDefined(type))
        {
            return $"entry {index} has unknown entry type {(int)type}";
        }
        if (index >= 1 && index <= Log.BaseIndex && _baseIsMidLog)
        {
            // An overwrite that reaches below where replay began, into entries of segments no longer kept (all
            // covered by the snapshot). Their terms are unknown here, so whether it replaced committed entries
            // with different ones cannot be checked; that it did not cut committed entries away still is.
            Log.Reset(index - 1, null);
        }
        var problem = Log.TryAppend(index, term);
        if (problem is not null)
        {
            return problem;
        }
        if (index > _snapshotIndex)
        {
            var position = (int)(index - _snapshotIndex - 1);
            if (position < _entries.Count)
            {
                _entries.RemoveRange(position, _entries.Count - position);
            }
            _entries.Add(RecordFormat.ReadEntry(payload));
        }
        else
        {
            // Covered by the snapshot; it truncates whatever followed it.
            _entries.Clear();
        }
        return null;
    }

    private string? ApplyHardState(SegmentFile segment, int offset, ReadOnlySpan<byte> payload)
    {
        var problem = Log.TrySetHardState(RecordFormat.ReadHardState(payload));
        if (problem is null)
        {
            _hardStateFile = segment.Path;
            _hardStateOffset = offset;
        }
        return problem;
    }

    /// <summary>Joins the replayed log to the snapshot (Raft Figure 13, step 6).</summary>
    private void Finish(SegmentFile? last)
    {
        if (_snapshotIndex == 0)
        {
            return;
        }
        if (Log.LastIndex >= _snapshotIndex && Log.TermAt(_snapshotIndex) is { } term && term != _snapshotTerm)
        {
            // The log disagrees with the snapshot at its last index: the entries after it belong to a history
            // the cluster did not commit (this is the crash window between persisting a leader's snapshot and
            // resetting the log). By Log Matching none of them can be committed, unless the node said so.
            if (Log.HardState.Commit > _snapshotIndex)
            {
                throw new CorruptLogException(_hardStateFile, _hardStateOffset,
                    $"commit index {Log.HardState.Commit} is beyond the snapshot at index {_snapshotIndex} term {_snapshotTerm}, " +
                    $"but the log has term {term} at that index: committed entries contradict the snapshot");
            }
            _notes.Add($"discarded {_entries.Count} entries after index {_snapshotIndex} of {last?.Path}: the log has term {term} there, " +
                       $"the snapshot term {_snapshotTerm} (a snapshot from the leader was stored but the log was not yet reset)");
            _entries.Clear();
            Log.Reset(_snapshotIndex, _snapshotTerm);
            return;
        }
        Log.CompactTo(_snapshotIndex, _snapshotTerm);
        if (Log.LastIndex == _snapshotIndex)
        {
            _entries.Clear();
        }
    }

    /// <summary>Truncates the last segment to <paramref name="end"/>; deletes it when nothing is left. Returns whether it remains.</summary>
    private bool CutTail(SegmentFile segment, int end, long length)
    {
        if (end == 0)
        {
            File.Delete(segment.Path);
            if (_fsync)
            {
                Durability.FlushDirectory(Path.GetDirectoryName(segment.Path)!);
            }
            _notes.Add(length == 0
                ? $"removed empty segment {segment.Path} (a crash right after creating it)"
                : $"removed segment {segment.Path}: its only batch was torn");
            return false;
        }
        using (var handle = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
        {
            RandomAccess.SetLength(handle, end);
            if (_fsync)
            {
                Durability.FlushFile(handle, segment.Path);
            }
        }
        segment.Length = end;
        return true;
    }

    private static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> destination, string path)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var read = RandomAccess.Read(handle, destination[done..], done);
            if (read == 0)
            {
                throw new CorruptLogException(path, done, $"file ended at {done} bytes while {destination.Length} were expected");
            }
            done += read;
        }
    }
}
