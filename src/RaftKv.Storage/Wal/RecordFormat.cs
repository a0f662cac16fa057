using System.Buffers.Binary;
using RaftKv.Core;
using RaftKv.Storage.IO;

namespace RaftKv.Storage.Wal;

/// <summary>
/// The byte layout of WAL records. Every record is framed as
/// <code>[u32 payload length][u32 CRC-32C of type byte + payload][u8 type][payload]</code>
/// with little-endian integers. The high bit of the type byte marks the last record of a batch (one
/// <see cref="RaftStorage.Save"/>): recovery applies a batch only when its last record is present, so a
/// crash mid-write never leaves half a batch (entries without the hard state that goes with them).
/// Payloads:
/// <list type="bullet">
/// <item>SegmentHeader (26 bytes): u8 format version, i64 sequence, i64 first index, u8 flags (bit 0: starts a new log), i64 snapshot term.</item>
/// <item>Entry (17 + n bytes): i64 index, i64 term, u8 entry type, n bytes of data.</item>
/// <item>HardState (20 bytes): i64 term, i32 vote, i64 commit.</item>
/// </list>
/// </summary>
internal static class RecordFormat
{
    public const int FrameHeaderSize = 9;
    public const byte EndOfBatchFlag = 0x80;
    public const byte FormatVersion = 1;

    public const int SegmentHeaderPayloadSize = 26;
    public const int EntryFixedPayloadSize = 17;
    public const int HardStatePayloadSize = 20;

    public const int SegmentHeaderRecordSize = FrameHeaderSize + SegmentHeaderPayloadSize;
    public const int HardStateRecordSize = FrameHeaderSize + HardStatePayloadSize;

    /// <summary>The largest entry payload a record can frame (the length field is read as a non-negative int).</summary>
    public const int MaxPayloadSize = int.MaxValue - FrameHeaderSize - 64;

    public static long EntryRecordSize(in Entry entry) => FrameHeaderSize + EntryFixedPayloadSize + (long)entry.Data.Length;

    public static int WriteSegmentHeader(Span<byte> destination, in SegmentHeader header, bool endOfBatch)
    {
        var payload = destination.Slice(FrameHeaderSize, SegmentHeaderPayloadSize);
        payload[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(payload[1..], header.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(payload[9..], header.FirstIndex);
        payload[17] = header.StartsNewLog ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(payload[18..], header.SnapshotTerm);
        return Frame(destination, RecordType.SegmentHeader, SegmentHeaderPayloadSize, endOfBatch);
    }

    public static int WriteEntry(Span<byte> destination, in Entry entry, bool endOfBatch)
    {
        var payload = destination[FrameHeaderSize..];
        BinaryPrimitives.WriteInt64LittleEndian(payload, entry.Index);
        BinaryPrimitives.WriteInt64LittleEndian(payload[8..], entry.Term);
        payload[16] = (byte)entry.Type;
        entry.Data.CopyTo(payload[EntryFixedPayloadSize..]);
        return Frame(destination, RecordType.Entry, EntryFixedPayloadSize + entry.Data.Length, endOfBatch);
    }

    public static int WriteHardState(Span<byte> destination, in HardState state, bool endOfBatch)
    {
        var payload = destination.Slice(FrameHeaderSize, HardStatePayloadSize);
        BinaryPrimitives.WriteInt64LittleEndian(payload, state.Term);
        BinaryPrimitives.WriteInt32LittleEndian(payload[8..], state.Vote);
        BinaryPrimitives.WriteInt64LittleEndian(payload[12..], state.Commit);
        return Frame(destination, RecordType.HardState, HardStatePayloadSize, endOfBatch);
    }

    /// <summary>Reads a segment header payload; null when its format version is not one this build reads.</summary>
    public static SegmentHeader? ReadSegmentHeader(ReadOnlySpan<byte> payload)
    {
        if (payload[0] != FormatVersion || payload[17] > 1)
        {
            return null;
        }
        return new SegmentHeader(
            BinaryPrimitives.ReadInt64LittleEndian(payload[1..]),
            BinaryPrimitives.ReadInt64LittleEndian(payload[9..]),
            payload[17] == 1,
            BinaryPrimitives.ReadInt64LittleEndian(payload[18..]));
    }

    public static long ReadEntryIndex(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadInt64LittleEndian(payload);

    public static long ReadEntryTerm(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);

    public static EntryType ReadEntryType(ReadOnlySpan<byte> payload) => (EntryType)payload[16];

    /// <summary>Decodes a whole entry; the data is copied out of <paramref name="payload"/> (the one allocation per recovered entry).</summary>
    public static Entry ReadEntry(ReadOnlySpan<byte> payload) =>
        new(ReadEntryIndex(payload), ReadEntryTerm(payload), ReadEntryType(payload), payload[EntryFixedPayloadSize..].ToArray());

    public static HardState ReadHardState(ReadOnlySpan<byte> payload) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(payload),
            BinaryPrimitives.ReadInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(payload[12..]));

    /// <summary>
    /// Checks the payload length a record of <paramref name="type"/> must have; null when it is right.
    /// A record whose checksum matches but whose shape is wrong was written wrong, not torn.
    /// </summary>
    public static string? CheckPayloadLength(RecordType type, int payloadLength) => type switch
    {
        RecordType.SegmentHeader when payloadLength != SegmentHeaderPayloadSize =>
            $"segment header record has {payloadLength} payload bytes, expected {SegmentHeaderPayloadSize}",
        RecordType.HardState when payloadLength != HardStatePayloadSize =>
            $"hard state record has {payloadLength} payload bytes, expected {HardStatePayloadSize}",
        RecordType.Entry when payloadLength < EntryFixedPayloadSize =>
            $"entry record has {payloadLength} payload bytes, fewer than the {EntryFixedPayloadSize} of its fixed fields",
        _ => null,
    };

    public static bool IsKnownType(byte typeByte) =>
        (RecordType)(typeByte & ~EndOfBatchFlag) is RecordType.SegmentHeader or RecordType.Entry or RecordType.HardState;

    /// <summary>Fills in length, checksum and type around a payload already written at <c>destination[9..]</c>.</summary>
    private static int Frame(Span<byte> destination, RecordType type, int payloadLength, bool endOfBatch)
    {
        destination[8] = (byte)((byte)type | (endOfBatch ? EndOfBatchFlag : 0));
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)payloadLength);
        var crc = Crc32C.Compute(destination.Slice(8, 1 + payloadLength));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], crc);
        return FrameHeaderSize + payloadLength;
    }
}
