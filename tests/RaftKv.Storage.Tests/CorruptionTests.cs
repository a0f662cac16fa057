using RaftKv.Core;
using RaftKv.Storage.Tests.Support;
using RaftKv.Storage.Wal;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

/// <summary>
/// Damage anywhere but the torn tail stops recovery with an error naming the file and byte offset: dropping a
/// record that may be committed would break every promise Raft makes.
/// </summary>
public sealed class CorruptionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Writes entries 1..<paramref name="count"/>, one batch each; returns where each entry's record starts and ends, per segment file.</summary>
    private static List<(string Segment, long Start, long End)> WriteOneEntryBatches(string directory, int count, long segmentBytes)
    {
        var records = new List<(string, long, long)>();
        using var storage = Open(directory, segmentBytes);
        storage.Save(Hard(1, 0), [], null);
        for (var i = 1L; i <= count; i++)
        {
            var lastBefore = Segments(directory)[^1];
            var lengthBefore = new FileInfo(lastBefore).Length;
            storage.Save(null, Entries(i, i, 1), null);
            var segment = Segments(directory)[^1];
            if (segment == lastBefore)
            {
                records.Add((segment, lengthBefore, new FileInfo(segment).Length));
            }
            else
            {
                // A new segment: the entry follows the segment header and the carried hard state.
                var length = new FileInfo(segment).Length;
                records.Add((segment, length - (9 + 17 + Data(i, 1).Length), length));
            }
        }
        return records;
    }

    private static void OpenShouldFailAt(
        string directory, string file, long offset, string? problem = null, long segmentBytes = 64L * 1024 * 1024, string because = "")
    {
        var act = () => Open(directory, segmentBytes).Dispose();
        var thrown = act.Should().Throw<CorruptLogException>(because).Which;
        thrown.File.Should().Be(file, because);
        thrown.Offset.Should().Be(offset, because);
        thrown.Message.Should().Contain(file).And.Contain($"offset {offset}");
        if (problem is not null)
        {
            thrown.Problem.Should().Contain(problem);
        }
    }

    [Theory]
    [InlineData("length", 0)]
    [InlineData("length (high byte)", 3)]
    [InlineData("checksum", 5)]
    [InlineData("type", 8)]
    [InlineData("payload index", 9)]
    [InlineData("payload term", 17)]
    [InlineData("payload data", 30)]
    public void A_flipped_bit_in_a_middle_record_of_the_last_segment_names_the_file_and_the_record_offset(string field, int byteInRecord)
    {
        var directory = _temp.Sub("node");
        var records = WriteOneEntryBatches(directory, 10, 64L * 1024 * 1024);
        var (segment, start, _) = records[4];

        FlipBit(segment, start + byteInRecord, 6);

        OpenShouldFailAt(directory, segment, start, because: $"the {field} field of the record at {start} is damaged");
    }

    [Fact]
    public void A_flipped_bit_in_any_byte_of_a_middle_record_names_the_file_and_the_record_offset()
    {
        var pristine = _temp.Sub("pristine");
        var records = WriteOneEntryBatches(pristine, 10, 64L * 1024 * 1024);
        var (segment, start, end) = records[4];

        for (var offset = start; offset < end; offset++)
        {
            var copy = _temp.Sub($"flip-{offset}");
            CopyDirectory(pristine, copy);
            var damaged = Path.Combine(WalDirectory(copy), Path.GetFileName(segment));
            FlipBit(damaged, offset, (int)(offset % 8));

            OpenShouldFailAt(copy, damaged, start, because: $"byte {offset - start} of the record at {start} is damaged");
            Directory.Delete(copy, recursive: true);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(12)]
    public void A_flipped_bit_in_a_segment_that_is_not_the_last_names_that_segment(int byteInRecord)
    {
        var directory = _temp.Sub("node");
        var records = WriteOneEntryBatches(directory, 40, segmentBytes: 512);
        var segments = Segments(directory);
        segments.Length.Should().BeGreaterThan(3);
        var (segment, start, _) = records.Last(r => r.Segment == segments[1]);

        FlipBit(segment, start + byteInRecord, 1);

        OpenShouldFailAt(directory, segment, start, segmentBytes: 512);
    }

    [Fact]
    public void A_segment_that_is_not_the_last_cut_inside_a_record_is_corrupt_not_torn()
    {
        var directory = _temp.Sub("node");
        var records = WriteOneEntryBatches(directory, 40, segmentBytes: 512);
        var segment = Segments(directory)[1];
        var (_, start, _) = records.Last(r => r.Segment == segment);

        Truncate(segment, start + 5);

        OpenShouldFailAt(directory, segment, start, segmentBytes: 512);
    }

    [Fact]
    public void A_segment_that_is_not_the_last_cut_at_a_record_boundary_is_reported_at_the_next_segment()
    {
        var directory = _temp.Sub("node");
        var records = WriteOneEntryBatches(directory, 40, segmentBytes: 512);
        var segments = Segments(directory);
        var (_, start, _) = records.Last(r => r.Segment == segments[1]);

        Truncate(segments[1], start);

        OpenShouldFailAt(directory, segments[2], 0, "a segment is missing or was cut short", segmentBytes: 512);
    }

    [Fact]
    public void A_missing_middle_segment_names_the_segment_after_the_gap()
    {
        var directory = _temp.Sub("node");
        WriteOneEntryBatches(directory, 40, segmentBytes: 512);
        var segments = Segments(directory);
        segments.Length.Should().BeGreaterThan(3);

        File.Delete(segments[1]);

        OpenShouldFailAt(directory, segments[2], 0, "segment 2 is missing", segmentBytes: 512);
    }

    [Fact]
    public void A_missing_first_segment_is_corrupt_when_no_snapshot_covers_it()
    {
        var directory = _temp.Sub("node");
        WriteOneEntryBatches(directory, 40, segmentBytes: 512);
        var segments = Segments(directory);

        File.Delete(segments[0]);

        OpenShouldFailAt(directory, segments[1], 0, "are missing", segmentBytes: 512);
    }

    [Fact]
    public void A_segment_whose_name_disagrees_with_its_header_is_corrupt()
    {
        var directory = _temp.Sub("node");
        WriteOneEntryBatches(directory, 5, 64L * 1024 * 1024);
        var segment = Segments(directory).Single();
        var renamed = Path.Combine(WalDirectory(directory), "0000000000000002-0000000000000001.wal");
        File.Move(segment, renamed);

        OpenShouldFailAt(directory, renamed, 0, "file name says");
    }

    [Fact]
    public void A_record_of_unknown_type_with_a_valid_checksum_is_corrupt_even_at_the_tail()
    {
        var directory = _temp.Sub("node");
        WriteOneEntryBatches(directory, 3, 64L * 1024 * 1024);
        var segment = Segments(directory).Single();
        var end = new FileInfo(segment).Length;
        var record = new byte[RecordFormat.HardStateRecordSize];
        RecordFormat.WriteHardState(record, Hard(1, 0), endOfBatch: true);
        record[8] = 0x80 | 0x7F; // an unknown type; fix the checksum so only the type is wrong
        BitConverter.GetBytes(RaftKv.Storage.IO.Crc32C.Compute(record.AsSpan(8))).CopyTo(record, 4);
        using (var stream = new FileStream(segment, FileMode.Append))
        {
            stream.Write(record);
        }

        OpenShouldFailAt(directory, segment, end, "unknown record type");
    }

    [Fact]
    public void A_hard_state_committing_beyond_the_log_is_corrupt()
    {
        var directory = _temp.Sub("node");
        Open(directory).Dispose();
        var segment = WriteRawSegment(directory, Entries(1, 2, 1), Hard(1, 5));

        OpenShouldFailAt(directory, segment, RecordFormat.SegmentHeaderRecordSize + 2 * (9 + 17 + Data(1, 1).Length),
            "commit index 5 is beyond the last entry 2");
    }

    [Fact]
    public void A_gap_between_entries_is_corrupt()
    {
        var directory = _temp.Sub("node");
        Open(directory).Dispose();
        var segment = WriteRawSegment(directory, [.. Entries(1, 1, 1), .. Entries(3, 3, 1)], Hard(1, 0));

        OpenShouldFailAt(directory, segment, RecordFormat.SegmentHeaderRecordSize + 9 + 17 + Data(1, 1).Length, "gap");
    }

    [Fact]
    public void A_damaged_newest_snapshot_falls_back_to_the_older_one_when_the_log_still_covers_it()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory, segmentBytes: 64L * 1024 * 1024))
        {
            storage.Save(Hard(1, 20), Entries(1, 20, 1), null);
            storage.Compact(Snapshot(5, 1, "older"));
            storage.Compact(Snapshot(10, 1, "newer"));
        }
        var newest = SnapshotFiles(directory)[^1];
        FlipBit(newest, new FileInfo(newest).Length - 1, 0);

        using var reopened = Open(directory);
        var state = reopened.Load();

        SnapshotBytes.ReadAll(state.Snapshot!.Data).Should().Equal("older"u8.ToArray());
        state.Entries.ShouldEqual(Entries(6, 20, 1));
        reopened.Recovery.Notes.Should().ContainSingle(n => n.Contains("skipped damaged snapshot") && n.Contains("data checksum mismatch"));
        File.Exists(newest + ".damaged").Should().BeTrue();
    }

    [Fact]
    public void A_damaged_snapshot_whose_entries_are_no_longer_in_the_log_is_corrupt()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory, segmentBytes: 512))
        {
            storage.Save(Hard(1, 0), [], null);
            for (var i = 1L; i <= 40; i++)
            {
                storage.Save(Hard(1, i), Entries(i, i, 1), null);
            }
            storage.Compact(Snapshot(35, 1));
        }
        var snapshot = SnapshotFiles(directory).Single();
        FlipBit(snapshot, 20, 0);

        var act = () => Open(directory, segmentBytes: 512).Dispose();

        var error = act.Should().Throw<CorruptLogException>().Which;
        error.File.Should().Be(snapshot, "the damaged snapshot is what cannot be done without");
        error.Problem.Should().Contain("checksum").And.Contain("are missing");
        File.Exists(snapshot).Should().BeTrue("a node that stops changes nothing: the snapshot stays where it was");
    }

    [Fact]
    public void A_damaged_newest_snapshot_whose_older_one_the_log_does_not_reach_names_the_newest()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory, segmentBytes: 512))
        {
            storage.Save(Hard(1, 0), [], null);
            for (var i = 1L; i <= 60; i++)
            {
                storage.Save(Hard(1, i), Entries(i, i, 1), null);
                if (i == 10) storage.Compact(Snapshot(10, 1, "older"));
            }
            storage.Compact(Snapshot(55, 1, "newer"));
        }
        var files = SnapshotFiles(directory);
        files.Should().HaveCount(2);
        FlipBit(files[^1], new FileInfo(files[^1]).Length - 1, 0);

        var act = () => Open(directory, segmentBytes: 512).Dispose();

        var error = act.Should().Throw<CorruptLogException>().Which;
        error.File.Should().Be(files[^1]);
        error.Message.Should().Contain("previous snapshot (index 10)");
        File.Exists(files[^1]).Should().BeTrue();
    }

    /// <summary>Replaces the log with one segment holding exactly these records, valid checksums and all.</summary>
    private static string WriteRawSegment(string directory, Entry[] entries, HardState hardState)
    {
        foreach (var existing in Segments(directory))
        {
            File.Delete(existing);
        }
        var path = Path.Combine(WalDirectory(directory), SegmentFile.FileName(1, 1));
        var size = RecordFormat.SegmentHeaderRecordSize + (int)BatchEncoder.Measure(entries, withHardState: true);
        var bytes = new byte[size];
        BatchEncoder.Encode(bytes, new SegmentHeader(1, 1, false, 0), entries, hardState);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
