using RaftKv.Core;

namespace RaftKv.Transport;

/// <summary>
/// A snapshot that arrived on a snapshot stream, checked (length and CRC-64) and waiting in its staging file until the
/// node has restored it and stored its own copy; <see cref="Dispose"/> then deletes the file. A crash leaves the file
/// to <see cref="SnapshotStaging.DeleteLeftovers"/>.
/// </summary>
public sealed class StagedSnapshotData(string path, long length) : ISnapshotData, IDisposable
{
    public string Path { get; } = path;

    public long Length { get; } = length;

    public Stream OpenRead() => new FileStream(Path, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.Read | FileShare.Delete,
        Options = FileOptions.SequentialScan,
        BufferSize = 1 << 16,
    });

    /// <summary>Deletes the staging file; readers that opened it already keep reading.</summary>
    public void Dispose() => File.Delete(Path);

    public override string ToString() => $"{Length} bytes staged in {Path}";
}
