using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using RaftKv.Core;
using RaftKv.Storage.IO;
using RaftKv.Storage.Metadata;
using RaftKv.Storage.Snapshots;
using RaftKv.Storage.Wal;

namespace RaftKv.Storage;

/// <summary>
/// Opening a node's data directory: claiming it (lock and metadata file) and recovering its state from the
/// snapshot files and WAL segments.
/// </summary>
internal static class DataDirectory
{
    public const string WalFolder = "wal";
    public const string SnapshotFolder = "snap";
    public const string LockFileName = "raftkv.lock";

    public static SafeFileHandle AcquireLock(string directory)
    {
        var path = Path.Combine(directory, LockFileName);
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock on Unix), released when the handle closes.
            return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"data directory {directory} is already in use (by another process, or another RaftStorage in this one)", e);
        }
    }

    /// <returns>True when the directory was new and has just been claimed for this node.</returns>
    public static bool EnsureMetadata(string directory, string clusterId, int nodeId, bool fsync)
    {
        var path = Path.Combine(directory, DataDirectoryMetadata.FileName);
        if (File.Exists(path))
        {
            DataDirectoryMetadata found;
            try
            {
                found = DataDirectoryMetadata.Read(path);
            }
            catch (InvalidDataException e)
            {
                throw new CorruptLogException(path, 0, e.Message);
            }
            if (found.ClusterId != clusterId || found.NodeId != nodeId)
            {
                throw new DataDirectoryMismatchException(directory,
                    $"data directory {directory} belongs to node {found.NodeId} of cluster '{found.ClusterId}', " +
                    $"not to node {nodeId} of cluster '{clusterId}': start the node with its own data directory, or an empty one");
            }
            if (found.FormatVersion != DataDirectoryMetadata.CurrentFormatVersion)
            {
                throw new NotSupportedException(
                    $"data directory {directory} has format version {found.FormatVersion}; this build reads version {DataDirectoryMetadata.CurrentFormatVersion}");
            }
            return false;
        }
        foreach (var folder in new[] { WalFolder, SnapshotFolder })
        {
            var sub = Path.Combine(directory, folder);
            if (Directory.Exists(sub) && Directory.EnumerateFileSystemEntries(sub).Any())
            {
                throw new DataDirectoryMismatchException(directory,
                    $"data directory {directory} holds {folder}/ files but no {DataDirectoryMetadata.FileName} saying which node and cluster " +
                    $"they belong to; refusing to adopt them as node {nodeId} of cluster '{clusterId}'");
            }
        }
        DataDirectoryMetadata.ForNewDirectory(clusterId, nodeId).Write(directory, fsync);
        return true;
    }

    /// <summary>
    /// Creates the wal/ and snap/ folders. On first use their names, and the data directory's own name in its
    /// parent, are fsynced too: a segment file made durable in a folder that itself vanishes on power loss is lost.
    /// </summary>
    public static void CreateFolders(string directory, bool durably)
    {
        Directory.CreateDirectory(Path.Combine(directory, WalFolder));
        Directory.CreateDirectory(Path.Combine(directory, SnapshotFolder));
        if (durably)
        {
            Durability.FlushDirectory(directory);
            if (Path.GetDirectoryName(directory) is { } parent)
            {
                Durability.FlushDirectory(parent);
            }
        }
    }

    public static RecoveredDirectory Recover(string directory, StorageOptions options, bool isNew, long started)
    {
        var notes = new List<string>();
        var (snapshots, current, snapshot, damaged) = RecoverSnapshots(Path.Combine(directory, SnapshotFolder), notes);
        var snapshotIndex = current?.Index ?? 0;
        var snapshotTerm = current?.Term ?? 0;

        var all = ListSegments(Path.Combine(directory, WalFolder), notes);
        TornTail? tornTail = null;
        while (true)
        {
            int firstNeeded;
            List<SegmentFile> obsolete, needed;
            WalReplayer replayer;
            try
            {
                firstNeeded = WalReplayer.FirstNeeded(all, snapshotIndex);
                obsolete = firstNeeded <= 0 ? [] : all.GetRange(0, firstNeeded);
                needed = firstNeeded < 0 ? [] : all.GetRange(firstNeeded, all.Count - firstNeeded);
                replayer = new WalReplayer(snapshotIndex, snapshotTerm, repairTail: true, options.Fsync);
                replayer.Replay(needed);
            }
            catch (CorruptLogException e) when (damaged.Count > 0)
            {
                // The newest snapshot is damaged and what is left (an older snapshot, or none, and the log) does not
                // hold the entries it covered: nothing can be recovered without guessing. Name the snapshot, keep it.
                var (path, reason) = damaged[^1];
                throw new CorruptLogException(path, 0,
                    $"{reason}; the {(current is null ? "log" : $"previous snapshot (index {current.Index}) and the log")} no longer hold the entries it covered ({e.Message})");
            }
            notes.AddRange(replayer.Notes);
            tornTail ??= replayer.TornTail;
            if (needed.Count == 0 && obsolete.Count > 0)
            {
                // The only needed segment was one a crash interrupted while it was being created (now removed). The
                // state, hard state included, is at the end of the segment before it: replay from there.
                all.RemoveAt(all.Count - 1);
                continue;
            }

            // The fallback worked: move the damaged snapshots out of the way of later ones (kept for inspection).
            foreach (var (path, reason) in damaged)
            {
                var aside = path + ".damaged";
                File.Move(path, aside, overwrite: true);
                notes.Add($"skipped damaged snapshot {path} ({reason}); renamed it to {Path.GetFileName(aside)}");
            }
            damaged.Clear();

            // Only now that the log proved sound: older segments hold nothing the snapshot does not cover.
            foreach (var segment in obsolete)
            {
                File.Delete(segment.Path);
            }
            if (obsolete.Count > 0)
            {
                notes.Add($"removed {obsolete.Count} segment(s) older than {needed[0].Path}, wholly covered by the snapshot");
            }
            // Sequence numbers continue from the last segment still there (a removed torn one is reused: no gap).
            var nextSequence = all.Count == 0 ? 1 : (needed.Count > 0 ? needed[^1] : all[^1]).Sequence + 1;
            var report = new RecoveryReport
            {
                Directory = directory,
                NewDirectory = isNew,
                Duration = Stopwatch.GetElapsedTime(started),
                Snapshot = current is null ? null : (current.Index, current.Term),
                SegmentsReplayed = replayer.SegmentsReplayed,
                RecordsReplayed = replayer.RecordsReplayed,
                EntriesRecovered = replayer.Entries.Count,
                TornTail = tornTail,
                Notes = notes,
            };
            var state = new PersistentState(replayer.Log.HardState, snapshot, replayer.Entries);
            return new RecoveredDirectory(needed, snapshots, current, nextSequence, replayer.Log, state, report);
        }
    }

    /// <summary>
    /// Lists the snapshot files and reads the newest one that verifies. Damaged ones newer than it are returned
    /// (oldest first), to be renamed to <c>*.damaged</c> once the log proves to cover them, or named in the error when
    /// it does not; leftover temporary files from an interrupted write, and replaced ones not yet deleted, are deleted.
    /// </summary>
    private static (List<SnapshotFile> Files, SnapshotFile? Current, Snapshot? Snapshot, List<(string Path, string Reason)> Damaged) RecoverSnapshots(string folder, List<string> notes)
    {
        var files = new List<SnapshotFile>();
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(SnapshotFile.TemporarySuffix, StringComparison.Ordinal))
            {
                File.Delete(path);
                notes.Add($"deleted {path}, left by an interrupted snapshot write");
            }
            else if (name.EndsWith(SnapshotFile.DeletingSuffix, StringComparison.Ordinal))
            {
                File.Delete(path);
                notes.Add($"deleted {path}, a replaced snapshot whose deletion the last run did not finish");
            }
            else if (SnapshotFile.TryParseName(name, out var term, out var index))
            {
                files.Add(new SnapshotFile(path, index, term, new FileInfo(path).Length));
            }
        }
        files.Sort(SnapshotFile.CompareByPosition);
        var damaged = new List<(string Path, string Reason)>();
        while (files.Count > 0)
        {
            var newest = files[^1];
            try
            {
                var snapshot = SnapshotFormat.Read(newest);
                damaged.Reverse();
                return (files, newest, snapshot, damaged);
            }
            catch (InvalidDataException e)
            {
                files.RemoveAt(files.Count - 1);
                damaged.Add((newest.Path, e.Message));
            }
        }
        damaged.Reverse();
        return (files, null, null, damaged);
    }

    private static List<SegmentFile> ListSegments(string folder, List<string> notes)
    {
        var segments = new List<SegmentFile>();
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            if (SegmentFile.TryParseName(Path.GetFileName(path), out var sequence, out var firstIndex))
            {
                segments.Add(new SegmentFile(path, sequence, firstIndex, new FileInfo(path).Length));
            }
            else
            {
                notes.Add($"ignored {path}: not a segment file name");
            }
        }
        segments.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return segments;
    }
}
