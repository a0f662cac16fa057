using System.Buffers.Binary;

namespace RaftKv.Cluster.Tests.Support;

/// <summary>
/// Reads the record layout of a WAL segment (src/RaftKv.Storage/README.md): each record is
/// <c>[u32 payload length][u32 CRC-32C][u8 type][payload]</c>, little-endian, the type's high bit marking
/// the last record of a batch. Only what the damage tests need: where each record starts.
/// </summary>
public sealed record WalSegment(string Path, IReadOnlyList<WalRecord> Records)
{
    public const int HeaderBytes = 9;
    private const byte EndOfBatch = 0x80;

    public static WalSegment Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<WalRecord>();
        var offset = 0;
        while (offset + HeaderBytes <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            if (length == 0 && bytes[offset + 8] == 0) break; // zero padding, if any
            if (offset + HeaderBytes + length > bytes.Length) break;
            var type = bytes[offset + 8];
            records.Add(new WalRecord(offset, (int)length, (byte)(type & ~EndOfBatch), (type & EndOfBatch) != 0));
            offset += HeaderBytes + (int)length;
        }
        return new WalSegment(path, records);
    }

    /// <summary>The segments of a node's data directory, oldest first (their names sort by sequence number).</summary>
    public static string[] List(string dataDirectory) =>
        Directory.GetFiles(System.IO.Path.Combine(dataDirectory, "wal"), "*.wal").Order(StringComparer.Ordinal).ToArray();
}
