using System.Buffers;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using RaftKv.Core;
using RaftKv.Storage.IO;
using RaftKv.Storage.Log;
using RaftKv.Storage.Metadata;
using RaftKv.Storage.Snapshots;
using RaftKv.Storage.Wal;

namespace RaftKv.Storage;

/// <summary>
/// One node's durable Raft state in its data directory: a segmented write-ahead log (entries and hard
/// state), snapshot files, and a metadata file saying whose directory it is.
/// <code>
/// &lt;dir&gt;/raftkv.meta                          format version, cluster id, node id
/// &lt;dir&gt;/raftkv.lock                          held while open: one process per directory
/// &lt;dir&gt;/wal/&lt;seq 16 hex&gt;-&lt;first index 16 hex&gt;.wal   append-only segments (byte layout: RecordFormat)
/// &lt;dir&gt;/snap/&lt;term 16 hex&gt;-&lt;index 16 hex&gt;.snap    snapshots (byte layout: SnapshotFormat)
/// </code>
/// Every <see cref="Save"/> is one write and one fdatasync (group commit). The node driver calls it from its
/// single loop; the class is not thread-safe and takes no locks.
/// </summary>
public sealed class RaftStorage : IDisposable
{
    private const int SnapshotsKept = 2;

    private readonly string _directory;
    private readonly string _walDirectory;
    private readonly string _snapshotDirectory;
    private readonly StorageOptions _options;
    private readonly SafeFileHandle _lock;

    /// <summary>The segments the log needs, in sequence order; the last one is open for appending.</summary>
    private readonly List<SegmentFile> _segments;

    /// <summary>Snapshot files on disk, oldest first.</summary>
    private readonly List<SnapshotFile> _snapshots;

    /// <summary>Deletions of replaced snapshot files under way (<see cref="PruneSnapshots"/>); <see cref="Dispose"/> waits for them.</summary>
    private readonly List<Task<bool>> _deletions = [];

    private SnapshotFile? _currentSnapshot;
    private SafeFileHandle? _current;
    private long _nextSequence;
    private LogTracker _log;

    /// <summary>What recovery read, handed out by the first <see cref="Load"/> unless something was written since.</summary>
    private PersistentState? _recovered;

    /// <summary>Set when a flush failed: what is on disk is then unknown, so the storage refuses further work.</summary>
    private Exception? _failure;

    private bool _disposed;

    private RaftStorage(string directory, StorageOptions options, SafeFileHandle lockHandle, RecoveredDirectory recovery)
    {
        _directory = directory;
        _walDirectory = Path.Combine(directory, DataDirectory.WalFolder);
        _snapshotDirectory = Path.Combine(directory, DataDirectory.SnapshotFolder);
        _options = options;
        _lock = lockHandle;
        _segments = recovery.Segments;
        _snapshots = recovery.Snapshots;
        _currentSnapshot = recovery.CurrentSnapshot;
        _nextSequence = recovery.NextSequence;
        _log = recovery.Log;
        _recovered = recovery.State;
        Recovery = recovery.Report;
        if (_segments.Count > 0)
        {
            _current = File.OpenHandle(_segments[^1].Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        }
    }

    /// <summary>What recovery found and did when the storage was opened.</summary>
    public RecoveryReport Recovery { get; }

    /// <summary>The index of the first entry after the snapshot (1 when there is no snapshot).</summary>
    public long FirstIndex => _log.BaseIndex + 1;

    /// <summary>The index of the last entry, or of the snapshot when no entry follows it (0 for an empty log).</summary>
    public long LastIndex => _log.LastIndex;

    public int SegmentCount => _segments.Count;

    /// <summary>Bytes of the WAL segments and snapshot files.</summary>
    public long DiskBytes => _segments.Sum(s => s.Length) + _snapshots.Sum(s => s.Length);

    /// <summary>
    /// Opens the data directory of node <paramref name="nodeId"/> of cluster <paramref name="clusterId"/>,
    /// creating it (with its metadata file) on first use, and recovers: the newest valid snapshot, then the
    /// WAL records after it. A write torn by a crash at the very end of the log is cut off and reported in
    /// <see cref="Recovery"/>.
    /// </summary>
    /// <exception cref="DataDirectoryMismatchException">The directory belongs to another node or cluster.</exception>
    /// <exception cref="CorruptLogException">Damage recovery must not guess about; the message names file and offset.</exception>
    /// <exception cref="IOException">The directory is already open, by this or another process.</exception>
    public static RaftStorage Open(string directory, string clusterId, int nodeId, StorageOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        if (clusterId.Any(char.IsControl) || clusterId != clusterId.Trim())
        {
            throw new ArgumentException($"cluster id '{clusterId}' must not contain control characters or surrounding spaces", nameof(clusterId));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(nodeId);
        options ??= new StorageOptions();
        options.Validate();

        var started = Stopwatch.GetTimestamp();
        var fullPath = Path.GetFullPath(directory);
        Directory.CreateDirectory(fullPath);
        var lockHandle = DataDirectory.AcquireLock(fullPath);
        try
        {
            var isNew = DataDirectory.EnsureMetadata(fullPath, clusterId, nodeId, options.Fsync);
            DataDirectory.CreateFolders(fullPath, durably: isNew && options.Fsync);
            var recovery = DataDirectory.Recover(fullPath, options, isNew, started);
            return new RaftStorage(fullPath, options, lockHandle, recovery);
        }
        catch
        {
            lockHandle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The durable state: hard state, newest snapshot (its data a handle on its file, checked but not read into memory) or null, and the entries after it in
    /// index order. Right after <see cref="Open"/> this is what recovery read; later calls read the files again.
    /// </summary>
    public PersistentState Load()
    {
        ThrowIfUnusable();
        if (_recovered is { } recovered)
        {
            // Handed over once: the caller now owns the entries, and the storage does not keep a second copy.
            _recovered = null;
            return recovered;
        }
        var snapshot = _currentSnapshot is null ? null : ReadSnapshot(_currentSnapshot);
        var replayer = new WalReplayer(_log.BaseIndex, _log.BaseTerm ?? 0, repairTail: false, fsync: false);
        replayer.Replay([.. _segments]);
        return new PersistentState(replayer.Log.HardState, snapshot, replayer.Entries);
    }

    /// <summary>
    /// Makes one Raft <c>Ready</c> durable, with a single fdatasync, before returning. Entries whose first index
    /// is at or below <see cref="LastIndex"/> first truncate the conflicting suffix (Raft §5.3). A
    /// <paramref name="snapshot"/> (received from the leader) is made durable first; the log then becomes that
    /// snapshot followed by <paramref name="entries"/>, and everything older is discarded.
    /// </summary>
    /// <exception cref="ArgumentException">The batch breaks a Raft invariant (gap, decreasing term, vote change, overwrite of a committed entry...); nothing was written.</exception>
    /// <exception cref="StorageFullException">The disk is full; nothing was written and nothing changed.</exception>
    /// <returns>
    /// <paramref name="snapshot"/> as now stored, its data in this directory's snapshot file (copied there a buffer at a
    /// time from wherever <paramref name="snapshot"/>'s data was); null when there was no snapshot.
    /// </returns>
    public Snapshot? Save(HardState? hardState, IReadOnlyList<Entry> entries, Snapshot? snapshot)
    {
        ThrowIfUnusable();
        ArgumentNullException.ThrowIfNull(entries);
        if (hardState is null && entries.Count == 0 && snapshot is null)
        {
            return null;
        }

        var next = _log.Clone();
        var problem = snapshot is null ? null : CheckNewSnapshot(snapshot, "snapshot from the leader");
        if (problem is null && snapshot is not null)
        {
            next.Reset(snapshot.Metadata.Index, snapshot.Metadata.Term);
        }
        problem ??= AppendAll(next, entries);
        if (problem is null && hardState is { } state)
        {
            problem = next.TrySetHardState(state);
        }
        problem ??= next.CheckBetweenBatches();
        if (problem is not null)
        {
            throw new ArgumentException($"Save refused, nothing was written: {problem}");
        }

        _recovered = null;
        Snapshot? stored = null;
        if (snapshot is null)
        {
            Append(next, hardState, entries);
        }
        else
        {
            stored = SaveWithLeaderSnapshot(next, hardState, entries, snapshot);
        }
        _log = next;
        return stored;
    }

    /// <summary>
    /// Stores a snapshot the local state machine took (atomically: temporary file, fsync, rename, directory
    /// fsync), then drops what it covers: the log keeps the entries after <c>snapshot.Metadata.Index</c>,
    /// segment files holding nothing newer are deleted, and at most two snapshots are kept.
    /// </summary>
    /// <exception cref="ArgumentException">The snapshot is not newer than the current one, not committed, or its term does not match the log; nothing changed.</exception>
    /// <exception cref="StorageFullException">The disk is full; nothing changed.</exception>
    /// <returns>The snapshot as stored: its data in this directory's snapshot file.</returns>
    public Snapshot Compact(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Data is null)
        {
            throw new ArgumentException("Compact refused, nothing was changed: snapshot has null data", nameof(snapshot));
        }
        return Compact(snapshot.Metadata, output =>
        {
            using var input = snapshot.Data.OpenRead();
            input.CopyTo(output, 1 << 20);
        });
    }

    /// <summary>
    /// As <see cref="Compact(Snapshot)"/>, the data streamed by <paramref name="writeData"/> straight into the snapshot
    /// file (the state machine writes its frozen view there a buffer at a time): a snapshot of any size, never in memory.
    /// </summary>
    public Snapshot Compact(SnapshotMetadata metadata, Action<Stream> writeData)
    {
        ThrowIfUnusable();
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(writeData);
        if (CheckCompaction(metadata) is { } problem)
        {
            throw new ArgumentException($"Compact refused, nothing was changed: {problem}", nameof(metadata));
        }
        return Compact(PrepareSnapshot(metadata, writeData))
            ?? throw new InvalidOperationException($"snapshot at index {metadata.Index} was superseded while it was written");
    }

    /// <summary>
    /// The slow half of a compaction: writes the snapshot file (temporary file, fsync, rename), its data streamed by
    /// <paramref name="writeData"/>, without touching the log. It reads and changes nothing else of this storage, so it
    /// may run on another thread while <see cref="Save"/> goes on appending: a snapshot of a large state, which takes
    /// seconds to write, then holds up no log write. <see cref="Compact(PreparedSnapshot)"/> makes it the snapshot.
    /// A crash in between leaves a snapshot file of entries that are committed (the caller made that durable first)
    /// and still in the log: recovery may start from it or from the one before, with the same result.
    /// </summary>
    /// <remarks>Written at <see cref="StorageOptions.SnapshotWriteBytesPerSecond"/> at most, so it blocks the calling thread for as long.</remarks>
    /// <exception cref="StorageFullException">The disk is full; nothing changed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing changed.</exception>
    public PreparedSnapshot PrepareSnapshot(SnapshotMetadata metadata, Action<Stream> writeData, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(writeData);
        if (SnapshotFormat.Check(metadata) is { } problem)
        {
            throw new ArgumentException($"snapshot refused, nothing was written: {problem}", nameof(metadata));
        }
        SnapshotFile file;
        try
        {
            file = SnapshotFormat.Write(_snapshotDirectory, metadata, writeData, _options.Fsync,
                new WritePacer(_options.SnapshotWriteBytesPerSecond, cancellationToken));
        }
        catch (IOException e) when (Durability.IsDiskFull(e))
        {
            throw DiskFull(e, $"writing snapshot at index {metadata.Index} to {_snapshotDirectory}");
        }
        var offset = SnapshotFormat.HeaderSize(metadata.Config);
        return new PreparedSnapshot(file, new Snapshot(metadata, new FileSnapshotData(file.Path, offset, file.Length - offset)));
    }

    /// <summary>
    /// The quick half of a compaction (<see cref="PrepareSnapshot"/> wrote the file): the snapshot becomes the current
    /// one and the log it covers is dropped, as <see cref="Compact(Snapshot)"/> does. Returns null, and deletes the file,
    /// when a newer snapshot (from the leader) was stored meanwhile.
    /// </summary>
    /// <exception cref="ArgumentException">The snapshot does not fit the log (beyond it, not committed, another term); its file is deleted.</exception>
    public Snapshot? Compact(PreparedSnapshot prepared)
    {
        ThrowIfUnusable();
        ArgumentNullException.ThrowIfNull(prepared);
        var metadata = prepared.Snapshot.Metadata;
        if (metadata.Index <= _log.BaseIndex)
        {
            TryDelete(prepared.File.Path);
            return null;
        }
        if (CheckCompaction(metadata) is { } problem)
        {
            TryDelete(prepared.File.Path);
            throw new ArgumentException($"Compact refused, nothing was changed: {problem}", nameof(prepared));
        }
        _recovered = null;
        _snapshots.RemoveAll(s => s.Path == prepared.File.Path);
        _snapshots.Add(prepared.File);
        _snapshots.Sort(SnapshotFile.CompareByPosition);
        _currentSnapshot = prepared.File;
        _log.CompactTo(metadata.Index, metadata.Term);
        DeleteSegmentsCoveredBy(metadata.Index);
        PruneSnapshots();
        return prepared.Snapshot;
    }

    /// <summary>Whether a snapshot at <paramref name="metadata"/> may replace the log before it; null when it may.</summary>
    private string? CheckCompaction(SnapshotMetadata metadata)
    {
        var problem = CheckNewSnapshot(metadata, "snapshot");
        if (problem is not null)
        {
            return problem;
        }
        var (index, term) = (metadata.Index, metadata.Term);
        if (index > _log.LastIndex)
        {
            return $"snapshot at index {index} is beyond the last entry {_log.LastIndex}";
        }
        if (index > _log.HardState.Commit)
        {
            return $"snapshot at index {index} covers entries that are not committed (commit index {_log.HardState.Commit})";
        }
        if (_log.TermAt(index) is { } logTerm && logTerm != term)
        {
            return $"snapshot says entry {index} has term {term}, the log has term {logTerm}";
        }
        return null;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _current?.Dispose();
        // Quick (the files are unlinked, not written), and after it the directory holds only what recovery expects.
        Task.WaitAll(_deletions);
        _lock.Dispose();
    }

    public override string ToString() => $"RaftStorage({_directory}: entries {FirstIndex}..{LastIndex}, {SegmentCount} segments)";

    // ---- write path -------------------------------------------------------------------------------

    /// <summary>Appends to the current segment, or to a new one when this batch would take the current one past SegmentBytes.</summary>
    private void Append(LogTracker next, HardState? hardState, IReadOnlyList<Entry> entries)
    {
        var bodyBytes = BatchEncoder.Measure(entries, hardState is not null);
        var roll = _current is null || _segments[^1].Length + bodyBytes > _options.SegmentBytes;
        if (!roll)
        {
            WriteBatch(null, hardState, entries);
            return;
        }
        // A new segment repeats the hard state, so older segments can be deleted without losing it.
        var carried = hardState ?? (next.HardState == HardState.Empty ? null : next.HardState);
        var header = new SegmentHeader(_nextSequence, _log.LastIndex + 1, StartsNewLog: false, SnapshotTerm: 0);
        WriteBatch(header, carried, entries);
    }

    private Snapshot SaveWithLeaderSnapshot(LogTracker next, HardState? hardState, IReadOnlyList<Entry> entries, Snapshot snapshot)
    {
        var (file, stored) = WriteSnapshot(snapshot.Metadata, output =>
        {
            using var input = snapshot.Data.OpenRead();
            input.CopyTo(output, 1 << 20);
        });
        var carried = hardState ?? (next.HardState == HardState.Empty ? null : next.HardState);
        var header = new SegmentHeader(_nextSequence, snapshot.Metadata.Index + 1, StartsNewLog: true, snapshot.Metadata.Term);
        var obsolete = _segments.ToArray();
        try
        {
            WriteBatch(header, carried, entries);
        }
        catch (StorageFullException)
        {
            // Leave the directory as it was: without the reset segment the new snapshot file is not part of the state.
            if (_failure is null)
            {
                TryDelete(file.Path);
                _snapshots.Remove(file);
            }
            throw;
        }
        _currentSnapshot = file;
        // The new segment does not continue the old ones (its header says so), so all of them can go.
        DeleteSegments(obsolete.Length);
        PruneSnapshots();
        return stored;
    }

    /// <summary>Encodes the batch into one pooled buffer and makes it durable with one write and one flush.</summary>
    private void WriteBatch(SegmentHeader? header, HardState? hardState, IReadOnlyList<Entry> entries)
    {
        var size = (header is null ? 0 : RecordFormat.SegmentHeaderRecordSize) + BatchEncoder.Measure(entries, hardState is not null);
        if (size > Array.MaxLength)
        {
            throw new ArgumentException($"Save refused, nothing was written: the batch is {size} bytes, more than one write can take");
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)size);
        try
        {
            var bytes = buffer.AsSpan(0, (int)size);
            BatchEncoder.Encode(bytes, header, entries, hardState);
            if (header is { } h)
            {
                WriteNewSegment(h, bytes);
            }
            else
            {
                WriteToCurrentSegment(bytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void WriteToCurrentSegment(ReadOnlySpan<byte> bytes)
    {
        var segment = _segments[^1];
        var handle = _current!;
        try
        {
            RandomAccess.Write(handle, bytes, segment.Length);
        }
        catch (IOException e)
        {
            // Part of the batch may be in the file: cut it so the file ends where the last acknowledged batch does.
            try
            {
                RandomAccess.SetLength(handle, segment.Length);
            }
            catch (IOException truncateFailure)
            {
                _failure = truncateFailure;
            }
            if (Durability.IsDiskFull(e))
            {
                throw DiskFull(e, $"appending {bytes.Length} bytes to {segment.Path}");
            }
            throw;
        }
        Flush(handle, segment.Path, directory: null);
        segment.Length += bytes.Length;
    }

    private void WriteNewSegment(SegmentHeader header, ReadOnlySpan<byte> bytes)
    {
        var path = Path.Combine(_walDirectory, SegmentFile.FileName(header.Sequence, header.FirstIndex));
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (IOException e) when (Durability.IsDiskFull(e))
        {
            throw DiskFull(e, $"creating segment {path}");
        }
        try
        {
            RandomAccess.Write(handle, bytes, 0);
        }
        catch (IOException e)
        {
            handle.Dispose();
            TryDelete(path);
            if (Durability.IsDiskFull(e))
            {
                throw DiskFull(e, $"writing {bytes.Length} bytes to new segment {path}");
            }
            throw;
        }
        try
        {
            Flush(handle, path, _walDirectory);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        _current?.Dispose();
        _current = handle;
        _segments.Add(new SegmentFile(path, header.Sequence, header.FirstIndex, bytes.Length));
        _nextSequence = header.Sequence + 1;
    }

    /// <summary>
    /// fdatasync, and fsync of the directory when a file was created. A failed flush leaves the page cache and
    /// the disk in an unknown state (the kernel may have dropped the dirty pages), so the storage stops.
    /// </summary>
    private void Flush(SafeFileHandle handle, string path, string? directory)
    {
        if (!_options.Fsync)
        {
            return;
        }
        try
        {
            Durability.FlushFile(handle, path);
            if (directory is not null)
            {
                Durability.FlushDirectory(directory);
            }
        }
        catch (IOException e)
        {
            _failure = e;
            throw;
        }
    }

    private (SnapshotFile File, Snapshot Stored) WriteSnapshot(SnapshotMetadata metadata, Action<Stream> writeData)
    {
        SnapshotFile file;
        try
        {
            file = SnapshotFormat.Write(_snapshotDirectory, metadata, writeData, _options.Fsync);
        }
        catch (IOException e) when (Durability.IsDiskFull(e))
        {
            throw DiskFull(e, $"writing snapshot at index {metadata.Index} to {_snapshotDirectory}");
        }
        _snapshots.RemoveAll(s => s.Path == file.Path);
        _snapshots.Add(file);
        _snapshots.Sort(SnapshotFile.CompareByPosition);
        var offset = SnapshotFormat.HeaderSize(metadata.Config);
        return (file, new Snapshot(metadata, new FileSnapshotData(file.Path, offset, file.Length - offset)));
    }

    // ---- compaction ------------------------------------------------------------------------------

    /// <summary>Deletes the segments before the newest one that starts at or before <c>index + 1</c>: the snapshot covers all they hold.</summary>
    private void DeleteSegmentsCoveredBy(long index)
    {
        var firstNeeded = WalReplayer.FirstNeeded(_segments, index);
        DeleteSegments(Math.Max(firstNeeded, 0));
    }

    /// <summary>Deletes the oldest <paramref name="count"/> segments, oldest first, so that a crash midway leaves a contiguous run.</summary>
    private void DeleteSegments(int count)
    {
        if (count == 0)
        {
            return;
        }
        var deleted = 0;
        try
        {
            for (; deleted < count; deleted++)
            {
                File.Delete(_segments[deleted].Path);
            }
        }
        finally
        {
            _segments.RemoveRange(0, deleted);
        }
        if (_options.Fsync)
        {
            Durability.FlushDirectory(_walDirectory);
        }
    }

    private void PruneSnapshots()
    {
        while (_snapshots.Count > SnapshotsKept)
        {
            var oldest = _snapshots[0];
            if (oldest == _currentSnapshot)
            {
                break;
            }
            // Unlinking a 1 GiB file takes a quarter of a second on an idle disk; done here it held up the log's appends
            // that long (issue 9's 1 GiB run: a 330 ms write stall at the end of every snapshot). Renamed out of the way
            // now and deleted on a thread of its own; a restart before that deletes it (DataDirectory).
            var doomed = oldest.Path + SnapshotFile.DeletingSuffix;
            File.Move(oldest.Path, doomed, overwrite: true);
            _snapshots.RemoveAt(0);
            _deletions.RemoveAll(t => t.IsCompleted);
            _deletions.Add(BackgroundThread.Run("snapshot deleter", () =>
            {
                try
                {
                    File.Delete(doomed);
                    return true;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return false; // the next start deletes it
                }
            }));
        }
    }

    // ---- checks and helpers ----------------------------------------------------------------------

    private string? CheckNewSnapshot(Snapshot snapshot, string what) =>
        snapshot.Data is null ? "snapshot has null data" : CheckNewSnapshot(snapshot.Metadata, what);

    private string? CheckNewSnapshot(SnapshotMetadata metadata, string what)
    {
        var problem = SnapshotFormat.Check(metadata);
        if (problem is not null)
        {
            return problem;
        }
        return metadata.Index <= _log.BaseIndex
            ? $"{what} at index {metadata.Index} is not newer than the current snapshot at index {_log.BaseIndex}"
            : null;
    }

    /// <summary>Applies the entries to <paramref name="next"/>; returns the first problem, or null.</summary>
    private static string? AppendAll(LogTracker next, IReadOnlyList<Entry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Data is null)
            {
                return $"entry {entry.Index} has null Data";
            }
            if (!Enum.IsDefined(entry.Type))
            {
                return $"entry {entry.Index} has unknown type {(int)entry.Type}";
            }
            if (entry.Data.Length > RecordFormat.MaxPayloadSize - RecordFormat.EntryFixedPayloadSize)
            {
                return $"entry {entry.Index} has {entry.Data.Length} bytes of data, more than a record can hold";
            }
            if (i > 0 && entry.Index != entries[i - 1].Index + 1)
            {
                return $"entries are not consecutive: entry {entry.Index} follows entry {entries[i - 1].Index}";
            }
            var problem = next.TryAppend(entry.Index, entry.Term);
            if (problem is not null)
            {
                return problem;
            }
        }
        return null;
    }

    private static Snapshot ReadSnapshot(SnapshotFile file)
    {
        try
        {
            return SnapshotFormat.Read(file);
        }
        catch (InvalidDataException e)
        {
            throw new CorruptLogException(file.Path, 0, e.Message);
        }
    }

    private static StorageFullException DiskFull(IOException e, string what) =>
        e as StorageFullException ?? new StorageFullException($"disk full while {what}: nothing was written and nothing changed", e);

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
        {
            throw new InvalidOperationException(
                $"storage in {_directory} stopped after a failed flush ({_failure.Message}); reopen it to recover from what is on disk", _failure);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort while already failing; recovery tolerates the leftover.
        }
    }
}
