using RaftKv.Core;

namespace RaftKv.Storage.Wal;

/// <summary>
/// Lays out one <see cref="RaftStorage.Save"/> as consecutive records: the segment header when the batch opens a
/// segment, the entries, then the hard state. The last record carries the end-of-batch mark.
/// </summary>
internal static class BatchEncoder
{
    /// <summary>Bytes the entries and hard state take (without a segment header).</summary>
    public static long Measure(IReadOnlyList<Entry> entries, bool withHardState)
    {
        long size = withHardState ? RecordFormat.HardStateRecordSize : 0;
        for (var i = 0; i < entries.Count; i++)
        {
            size += RecordFormat.EntryRecordSize(entries[i]);
        }
        return size;
    }

    /// <summary>Writes the batch into <paramref name="destination"/>, which is exactly as long as it needs; returns the byte count.</summary>
    public static int Encode(Span<byte> destination, SegmentHeader? header, IReadOnlyList<Entry> entries, HardState? hardState)
    {
        var position = 0;
        if (header is { } h)
        {
            var last = entries.Count == 0 && hardState is null;
            position += RecordFormat.WriteSegmentHeader(destination, h, last);
        }
        for (var i = 0; i < entries.Count; i++)
        {
            var last = i == entries.Count - 1 && hardState is null;
            position += RecordFormat.WriteEntry(destination[position..], entries[i], last);
        }
        if (hardState is { } state)
        {
            position += RecordFormat.WriteHardState(destination[position..], state, endOfBatch: true);
        }
        return position;
    }
}
