using System.Globalization;

namespace RaftKv.Storage.Snapshots;

/// <summary>
/// A snapshot file on disk, named <c>&lt;16 hex term&gt;-&lt;16 hex index&gt;.snap</c>. Its header is
/// checksummed and repeats index and term, so a damaged or renamed file is recognised.
/// </summary>
internal sealed class SnapshotFile(string path, long index, long term, long length)
{
    public const string Extension = ".snap";
    public const string TemporarySuffix = ".tmp";

    /// <summary>A replaced snapshot being deleted in the background; recovery deletes one a restart left behind.</summary>
    public const string DeletingSuffix = ".deleting";

    public string Path { get; } = path;
    public long Index { get; } = index;
    public long Term { get; } = term;
    public long Length { get; } = length;

    public static string FileName(long term, long index) =>
        string.Create(CultureInfo.InvariantCulture, $"{term:x16}-{index:x16}{Extension}");

    public static bool TryParseName(string fileName, out long term, out long index)
    {
        term = index = 0;
        var name = fileName.AsSpan();
        return name.Length == 16 + 1 + 16 + Extension.Length
            && name[16] == '-'
            && name.EndsWith(Extension, StringComparison.Ordinal)
            && long.TryParse(name[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out term)
            && long.TryParse(name.Slice(17, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out index)
            && term > 0 && index > 0;
    }

    /// <summary>Newer snapshots sort later: by index, then term.</summary>
    public static int CompareByPosition(SnapshotFile a, SnapshotFile b) =>
        a.Index != b.Index ? a.Index.CompareTo(b.Index) : a.Term.CompareTo(b.Term);

    public override string ToString() => Path;
}
