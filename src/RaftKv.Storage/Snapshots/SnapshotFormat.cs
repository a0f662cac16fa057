using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using RaftKv.Core;
using RaftKv.Storage.IO;

namespace RaftKv.Storage.Snapshots;

/// <summary>
/// The byte layout of a snapshot file, little-endian:
/// <code>
/// "RKVSNAP1" | u32 format version | i64 index | i64 term
/// | i32 voter count | i32 voters... | i32 learner count | i32 learners...
/// | i32 address count | (i32 node id | i32 byte count | UTF-8 "host:port")...   (format 2; absent in format 1)
/// | i64 data length | u32 CRC-32C of data | u32 CRC-32C of every header byte before it
/// | data
/// </code>
/// Files are written under a temporary name, fsynced, renamed and the directory fsynced, so a snapshot
/// file either exists whole or not at all; the checksums catch later damage. The data is streamed in and out
/// (<see cref="FileSnapshotData"/>): no snapshot is ever read or written whole in memory, and none has a size
/// limit short of the disk.
/// </summary>
internal static class SnapshotFormat
{
    private const ulong Magic = 0x31_50_41_4E_53_56_4B_52; // "RKVSNAP1" read as little-endian u64
    private const uint FormatVersion = 2;
    private const int FixedHeaderSize = 8 + 4 + 8 + 8 + 4 + 4 + 8 + 4 + 4;
    private const int MaxMembers = 4096;

    /// <summary>How many bytes are read at a time to check a data section's CRC-32C.</summary>
    private const int CheckBufferBytes = 1 << 20;

    /// <summary>Writes <paramref name="snapshot"/> durably into <paramref name="directory"/> and returns the file.</summary>
    public static SnapshotFile Write(string directory, Snapshot snapshot, bool fsync) =>
        Write(directory, snapshot.Metadata, CopyFrom(snapshot.Data), fsync);

    /// <summary>
    /// Writes a snapshot durably into <paramref name="directory"/>, its data streamed by <paramref name="writeData"/>
    /// (which must not dispose the stream), and returns the file.
    /// </summary>
    public static SnapshotFile Write(string directory, SnapshotMetadata metadata, Action<Stream> writeData, bool fsync, WritePacer? pacer = null)
    {
        var path = Path.Combine(directory, SnapshotFile.FileName(metadata.Term, metadata.Index));
        return WriteTo(path, metadata, writeData, fsync, pacer);
    }

    /// <summary>Writes <paramref name="snapshot"/> durably to <paramref name="path"/> (temporary file, fsync, rename).</summary>
    public static SnapshotFile WriteTo(string path, Snapshot snapshot, bool fsync) =>
        WriteTo(path, snapshot.Metadata, CopyFrom(snapshot.Data), fsync);

    /// <summary>
    /// Writes a snapshot durably to <paramref name="path"/> (temporary file, fsync, rename), streaming its data from
    /// <paramref name="writeData"/>: the header's place is left empty, the data follows with its length and CRC-32C
    /// counted on the way, and the header is written last. Memory stays bounded whatever the size of the data.
    /// </summary>
    public static SnapshotFile WriteTo(string path, SnapshotMetadata metadata, Action<Stream> writeData, bool fsync, WritePacer? pacer = null)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = path + SnapshotFile.TemporarySuffix;
        var headerSize = HeaderSize(metadata.Config);
        var header = ArrayPool<byte>.Shared.Rent(headerSize);
        long dataLength;
        try
        {
            try
            {
                using var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None);
                var data = new ChecksummingWriteStream(handle, headerSize, fsync ? temporary : null, pacer);
                writeData(data);
                dataLength = data.Written;
                WriteHeader(header.AsSpan(0, headerSize), metadata, dataLength, data.Crc);
                RandomAccess.Write(handle, header.AsSpan(0, headerSize), 0);
                if (fsync)
                {
                    Durability.FlushFile(handle, temporary);
                }
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
            File.Move(temporary, path, overwrite: true);
            if (fsync)
            {
                Durability.FlushDirectory(directory);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(header);
        }
        return new SnapshotFile(path, metadata.Index, metadata.Term, headerSize + dataLength);
    }

    /// <summary>Copies the contents of <paramref name="data"/> into a stream, a buffer at a time.</summary>
    private static Action<Stream> CopyFrom(ISnapshotData data) => output =>
    {
        using var input = data.OpenRead();
        input.CopyTo(output, CheckBufferBytes);
    };

    /// <summary>Reads and verifies a snapshot file; throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static Snapshot Read(SnapshotFile file) => Read(file.Path, file);

    /// <summary>Reads and verifies a snapshot file under any name (a backup); throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static Snapshot ReadAnyName(string path) => Read(path, expected: null);

    private static Snapshot Read(string path, SnapshotFile? expected)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        if (length < FixedHeaderSize)
        {
            throw new InvalidDataException($"file has {length} bytes, too short for a snapshot header");
        }
        var header = new List<byte>(256);
        // Reads the next count header bytes (the header is read piece by piece, each count known from the last).
        ReadOnlySpan<byte> Next(int count)
        {
            var offset = header.Count;
            if (count < 0 || offset + (long)count > length)
            {
                throw new InvalidDataException("file ends inside the snapshot header");
            }
            var bytes = new byte[count];
            if (RandomAccess.Read(handle, bytes, offset) != count)
            {
                throw new InvalidDataException("file ends inside the snapshot header");
            }
            header.AddRange(bytes);
            return bytes;
        }
        int NextCount(string what)
        {
            var count = BinaryPrimitives.ReadInt32LittleEndian(Next(4));
            if (count is < 0 or > MaxMembers)
            {
                throw new InvalidDataException($"header claims {count} {what}");
            }
            return count;
        }
        int[] NextIds(int count)
        {
            var bytes = Next(4 * count);
            return ReadIds(bytes, count);
        }

        var start = Next(28);
        if (BinaryPrimitives.ReadUInt64LittleEndian(start) != Magic)
        {
            throw new InvalidDataException("not a snapshot file (bad magic bytes)");
        }
        var version = BinaryPrimitives.ReadUInt32LittleEndian(start[8..]);
        if (version is not (1 or FormatVersion))
        {
            throw new InvalidDataException($"snapshot format version {version} is not supported (this build reads 1 and {FormatVersion})");
        }
        var index = BinaryPrimitives.ReadInt64LittleEndian(start[12..]);
        var term = BinaryPrimitives.ReadInt64LittleEndian(start[20..]);
        var voters = NextIds(NextCount("voters"));
        var learners = NextIds(NextCount("learners"));
        var addresses = ImmutableSortedDictionary<int, string>.Empty;
        if (version >= 2)
        {
            var addressCount = NextCount("addresses");
            for (var i = 0; i < addressCount; i++)
            {
                var id = BinaryPrimitives.ReadInt32LittleEndian(Next(4));
                var size = BinaryPrimitives.ReadInt32LittleEndian(Next(4));
                if (size is < 0 or > ConfigChange.MaxAddressBytes)
                {
                    throw new InvalidDataException($"header claims a {size}-byte address for node {id}");
                }
                addresses = addresses.SetItem(id, Encoding.UTF8.GetString(Next(size)));
            }
        }
        var tail = Next(16);
        var span = header.ToArray().AsSpan();
        var storedHeaderCrc = BinaryPrimitives.ReadUInt32LittleEndian(tail[12..]);
        if (Crc32C.Compute(span[..^4]) != storedHeaderCrc)
        {
            throw new InvalidDataException("snapshot header checksum mismatch");
        }
        if (expected is { } file && (index != file.Index || term != file.Term))
        {
            throw new InvalidDataException($"header says index {index} term {term}, the file name says index {file.Index} term {file.Term}");
        }
        var headerSize = span.Length;
        var dataLength = BinaryPrimitives.ReadInt64LittleEndian(tail);
        var dataCrc = BinaryPrimitives.ReadUInt32LittleEndian(tail[8..]);
        if (dataLength < 0 || headerSize + dataLength != length)
        {
            throw new InvalidDataException($"header says {dataLength} data bytes but the file has {length - headerSize} after the header");
        }
        // The data is checked here, a buffer at a time, and then left in the file: whoever needs it streams it from there.
        var buffer = ArrayPool<byte>.Shared.Rent(CheckBufferBytes);
        try
        {
            uint crc = 0;
            for (long offset = 0; offset < dataLength;)
            {
                var n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(CheckBufferBytes, dataLength - offset)), headerSize + offset);
                if (n == 0)
                {
                    throw new InvalidDataException("file ends inside the snapshot data");
                }
                crc = Crc32C.Append(crc, buffer.AsSpan(0, n));
                offset += n;
            }
            if (crc != dataCrc)
            {
                throw new InvalidDataException("snapshot data checksum mismatch");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var metadata = new SnapshotMetadata(index, term, new ClusterConfig(voters, learners) { Addresses = addresses });
        return new Snapshot(metadata, new FileSnapshotData(path, headerSize, dataLength));
    }

    /// <summary>Where the data starts in a snapshot file of this configuration.</summary>
    public static int HeaderSize(ClusterConfig config) =>
        FixedHeaderSize + 4 * (config.Voters.Length + config.Learners.Length) + 4 +
        config.Addresses.Sum(a => 8 + Encoding.UTF8.GetByteCount(a.Value));

    private static void WriteHeader(Span<byte> header, SnapshotMetadata metadata, long dataLength, uint dataCrc)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header[12..], metadata.Index);
        BinaryPrimitives.WriteInt64LittleEndian(header[20..], metadata.Term);
        var position = 28;
        foreach (var ids in (int[][])[metadata.Config.Voters, metadata.Config.Learners])
        {
            BinaryPrimitives.WriteInt32LittleEndian(header[position..], ids.Length);
            position += 4;
            foreach (var id in ids)
            {
                BinaryPrimitives.WriteInt32LittleEndian(header[position..], id);
                position += 4;
            }
        }
        BinaryPrimitives.WriteInt32LittleEndian(header[position..], metadata.Config.Addresses.Count);
        position += 4;
        foreach (var (id, address) in metadata.Config.Addresses)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header[position..], id);
            var size = Encoding.UTF8.GetBytes(address, header[(position + 8)..]);
            BinaryPrimitives.WriteInt32LittleEndian(header[(position + 4)..], size);
            position += 8 + size;
        }
        BinaryPrimitives.WriteInt64LittleEndian(header[position..], dataLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[(position + 8)..], dataCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[(position + 12)..], Crc32C.Compute(header[..(position + 12)]));
    }

    private static int[] ReadIds(ReadOnlySpan<byte> bytes, int count)
    {
        var ids = new int[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
        }
        return ids;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: recovery removes leftover temporary files anyway.
        }
    }

    /// <summary>Checks a snapshot handed in by the caller; null when it can be stored.</summary>
    public static string? Check(Snapshot snapshot) =>
        snapshot.Data is null ? "snapshot has null data" : Check(snapshot.Metadata);

    /// <summary>Checks the metadata of a snapshot to be stored; null when it can be.</summary>
    public static string? Check(SnapshotMetadata? metadata)
    {
        if (metadata is null || metadata.Config is null || metadata.Config.Voters is null || metadata.Config.Learners is null)
        {
            return "snapshot has null metadata or configuration";
        }
        if (metadata.Index < 1 || metadata.Term < 1)
        {
            return $"snapshot has index {metadata.Index} and term {metadata.Term}; both must be at least 1";
        }
        if (metadata.Config.Voters.Length > MaxMembers || metadata.Config.Learners.Length > MaxMembers)
        {
            return $"snapshot configuration has more than {MaxMembers} members";
        }
        if (metadata.Config.Addresses.Any(a => Encoding.UTF8.GetByteCount(a.Value) > ConfigChange.MaxAddressBytes))
        {
            return $"snapshot configuration has an address longer than {ConfigChange.MaxAddressBytes} bytes";
        }
        return null;
    }
}
