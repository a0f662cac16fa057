using RaftKv.Core;

namespace RaftKv.Storage.Snapshots;

/// <summary>
/// Snapshot contents that live in a file: the data section of a snapshot file (after its header) or of a backup. Each
/// <see cref="OpenRead"/> opens the file anew and reads only that section. A reader that opened it keeps reading even
/// when a newer snapshot makes the storage delete the file meanwhile (POSIX keeps an unlinked file for its open
/// handles), so a transfer under way is never cut short by compaction; opening after the deletion throws
/// <see cref="FileNotFoundException"/>.
/// </summary>
public sealed class FileSnapshotData(string path, long offset, long length) : ISnapshotData
{
    public string Path { get; } = path;

    /// <summary>Where the data starts in the file.</summary>
    public long Offset { get; } = offset;

    public long Length { get; } = length;

    public Stream OpenRead()
    {
        var file = new FileStream(Path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read | FileShare.Delete,
            Options = FileOptions.SequentialScan,
            BufferSize = 0,
        });
        try
        {
            if (file.Length < Offset + Length)
                throw new IOException($"{Path} has {file.Length} bytes, fewer than the {Offset + Length} its snapshot needs");
            file.Position = Offset;
            return new FileSectionStream(file, Length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public override string ToString() => $"{Length} bytes at offset {Offset} of {Path}";
}
