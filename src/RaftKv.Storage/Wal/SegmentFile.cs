using System.Globalization;

namespace RaftKv.Storage.Wal;

/// <summary>
/// One WAL segment on disk, named <c>&lt;16 hex sequence&gt;-&lt;16 hex first index&gt;.wal</c> so that a
/// directory listing sorts in log order and shows where each segment starts.
/// </summary>
internal sealed class SegmentFile(string path, long sequence, long firstIndex, long length)
{
    public const string Extension = ".wal";

    public string Path { get; } = path;
    public long Sequence { get; } = sequence;
    public long FirstIndex { get; } = firstIndex;

    /// <summary>Bytes of whole batches in the file; the write offset of the next batch.</summary>
    public long Length { get; set; } = length;

    public static string FileName(long sequence, long firstIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"{sequence:x16}-{firstIndex:x16}{Extension}");

    /// <summary>Parses a segment file name; false for anything else in the directory.</summary>
    public static bool TryParseName(string fileName, out long sequence, out long firstIndex)
    {
        sequence = firstIndex = 0;
        var name = fileName.AsSpan();
        return name.Length == 16 + 1 + 16 + Extension.Length
            && name[16] == '-'
            && name.EndsWith(Extension, StringComparison.Ordinal)
            && long.TryParse(name[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out sequence)
            && long.TryParse(name.Slice(17, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out firstIndex)
            && sequence > 0 && firstIndex > 0;
    }

    public override string ToString() => Path;
}
