using System.Buffers.Binary;
using RaftKv.Storage.IO;

namespace RaftKv.Storage.Wal;

/// <summary>Finds record frames in the bytes of a segment file and checks their checksums.</summary>
internal static class FrameReader
{
    public static FrameStatus Read(ReadOnlySpan<byte> file, int offset, out Frame frame)
    {
        frame = default;
        var remaining = file.Length - offset;
        if (remaining < RecordFormat.FrameHeaderSize)
        {
            return FrameStatus.RunsPastEnd;
        }
        var length = BinaryPrimitives.ReadUInt32LittleEndian(file[offset..]);
        if (length > (uint)(remaining - RecordFormat.FrameHeaderSize))
        {
            return FrameStatus.RunsPastEnd;
        }
        var storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 4)..]);
        var typeByte = file[offset + 8];
        if (Crc32C.Compute(file.Slice(offset + 8, 1 + (int)length)) != storedCrc)
        {
            return FrameStatus.ChecksumMismatch;
        }
        if (!RecordFormat.IsKnownType(typeByte))
        {
            return FrameStatus.UnknownType;
        }
        frame = new Frame(
            offset,
            (RecordType)(typeByte & ~RecordFormat.EndOfBatchFlag),
            (typeByte & RecordFormat.EndOfBatchFlag) != 0,
            (int)length);
        return FrameStatus.Valid;
    }

    /// <summary>
    /// True when a whole, checksummed record starts anywhere after <paramref name="offset"/>. A damaged
    /// record with nothing valid after it is a torn write (the crash interrupted the last write; zeros and
    /// garbage count as nothing). A damaged record followed by valid ones was written whole and damaged
    /// later, and cutting there would drop records that may be committed. The damaged record's own length
    /// field cannot be trusted, so every offset is tried; this runs only when recovery meets damage.
    /// </summary>
    public static bool AnyValidFrameAfter(ReadOnlySpan<byte> file, int offset)
    {
        for (var candidate = offset + 1; candidate <= file.Length - RecordFormat.FrameHeaderSize; candidate++)
        {
            if (Read(file, candidate, out _) == FrameStatus.Valid)
            {
                return true;
            }
        }
        return false;
    }

    public static string Describe(FrameStatus status, ReadOnlySpan<byte> file, int offset) => status switch
    {
        FrameStatus.RunsPastEnd when file.Length - offset < RecordFormat.FrameHeaderSize =>
            $"only {file.Length - offset} bytes of a {RecordFormat.FrameHeaderSize}-byte record header before the end of the file",
        FrameStatus.RunsPastEnd =>
            $"record length {BinaryPrimitives.ReadUInt32LittleEndian(file[offset..])} runs past the end of the file ({file.Length - offset - RecordFormat.FrameHeaderSize} bytes left)",
        FrameStatus.ChecksumMismatch => "checksum mismatch",
        FrameStatus.UnknownType => $"unknown record type 0x{file[offset + 8]:x2}",
        _ => "valid record",
    };
}
