namespace RaftKv.Core;

/// <summary>Snapshot contents held in one array: for tests, the simulator and synchronous drivers with small states.</summary>
public sealed class SnapshotBytes(byte[] bytes) : ISnapshotData
{
    /// <summary>No bytes: the contents of a snapshot whose data travels elsewhere (the metadata on the wire).</summary>
    public static readonly SnapshotBytes Empty = new([]);

    public byte[] Bytes { get; } = bytes ?? throw new ArgumentNullException(nameof(bytes));

    public long Length => Bytes.Length;

    public Stream OpenRead() => new MemoryStream(Bytes, writable: false);

    public override string ToString() => $"{Bytes.Length} bytes in memory";
}
