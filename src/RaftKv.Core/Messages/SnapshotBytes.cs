namespace RaftKv.Core;

/// <summary>Snapshot contents held in one array: for tests, the simulator and synchronous drivers with small states.</summary>
public sealed class SnapshotBytes(byte[] bytes) : ISnapshotData
{
    /// <summary>No bytes: the contents of a snapshot whose data travels elsewhere (the metadata on the wire).</summary>
    public static readonly SnapshotBytes Empty = new([]);

    public byte[] Bytes { get; } = bytes ?? throw new ArgumentNullException(nameof(bytes));

    public long Length => Bytes.Length;

    public Stream OpenRead() => new MemoryStream(Bytes, writable: false);

    /// <summary>
    /// Reads all of <paramref name="data"/> into one array: for tests and small states only (a node never does this; a
    /// snapshot past 2 GiB cannot be read so).
    /// </summary>
    public static byte[] ReadAll(ISnapshotData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data is SnapshotBytes bytes) return bytes.Bytes;
        using var stream = data.OpenRead();
        var all = new byte[checked((int)data.Length)];
        stream.ReadExactly(all);
        return all;
    }

    public override string ToString() => $"{Bytes.Length} bytes in memory";
}
