using RaftKv.Core;
using RaftKv.Storage.Snapshots;

namespace RaftKv.Storage.Backups;

/// <summary>
/// A backup (raftctl snapshot save) is a snapshot file in the same layout as the ones in a data directory
/// (<c>SnapshotFormat</c>: header with index, term, configuration and CRC-32C of header and data), under any name.
/// </summary>
public static class BackupFile
{
    /// <summary>Writes <paramref name="snapshot"/> to <paramref name="path"/> (temporary file, fsync, rename); returns its size in bytes.</summary>
    public static long Write(string path, Snapshot snapshot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(snapshot);
        if (SnapshotFormat.Check(snapshot) is { } problem) throw new ArgumentException(problem, nameof(snapshot));
        return SnapshotFormat.WriteTo(path, snapshot, fsync: true).Length;
    }

    /// <summary>
    /// Writes a backup to <paramref name="path"/> (temporary file, fsync, rename), its data streamed by
    /// <paramref name="writeData"/> a buffer at a time; returns its size in bytes.
    /// </summary>
    public static long Write(string path, SnapshotMetadata metadata, Action<Stream> writeData)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(writeData);
        if (SnapshotFormat.Check(metadata) is { } problem) throw new ArgumentException(problem, nameof(metadata));
        return SnapshotFormat.WriteTo(path, metadata, writeData, fsync: true).Length;
    }

    /// <summary>Verifies a backup; the snapshot's data stays in the file (read it with its OpenRead). Throws <see cref="CorruptLogException"/> naming the file when it is damaged or not a snapshot.</summary>
    public static Snapshot Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            return SnapshotFormat.ReadAnyName(path);
        }
        catch (InvalidDataException e)
        {
            throw new CorruptLogException(path, 0, e.Message);
        }
    }

    /// <summary>
    /// Seeds an empty data directory of a new cluster from a backup (raftnode --restore): the log becomes the backup's
    /// snapshot, committed, with <paramref name="config"/> (the new cluster's members) as its configuration. Refuses a
    /// directory that already holds a log or snapshot, and changes nothing then.
    /// </summary>
    /// <returns>The snapshot as installed.</returns>
    public static Snapshot Seed(string path, string dataDirectory, string clusterId, int nodeId, ClusterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var backup = Read(path);
        using var storage = RaftStorage.Open(dataDirectory, clusterId, nodeId);
        if (storage.LastIndex > 0)
            throw new IOException($"{Path.GetFullPath(dataDirectory)} already holds a log (through index {storage.LastIndex}); --restore seeds only an empty data directory");
        var metadata = backup.Metadata with { Config = config };
        var snapshot = backup with { Metadata = metadata };
        storage.Save(new HardState(metadata.Term, NodeIds.None, metadata.Index), [], snapshot);
        return snapshot;
    }
}
