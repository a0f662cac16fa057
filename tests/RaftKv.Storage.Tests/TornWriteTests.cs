using RaftKv.Core;
using RaftKv.Storage.Tests.Support;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

/// <summary>
/// A crash in the middle of a write leaves a torn record at the very end of the last segment. Its Save never
/// returned, so recovery cuts it off, keeps everything before it, and says so.
/// </summary>
public sealed class TornWriteTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Writes entries 1..5 and the hard state, then entry 6 alone; returns the segment's length before and after entry 6.</summary>
    private (string Segment, long Before, long After) WriteLogEndingInOneEntryBatch(string directory)
    {
        using var storage = Open(directory);
        storage.Save(Hard(1, 0), Entries(1, 3, 1), null);
        storage.Save(Hard(1, 3), Entries(4, 5, 1), null);
        var segment = Segments(directory).Single();
        var before = new FileInfo(segment).Length;
        storage.Save(null, Entries(6, 6, 1, padding: 10), null);
        return (segment, before, new FileInfo(segment).Length);
    }

    [Fact]
    public void A_write_torn_at_every_byte_offset_of_the_tail_record_is_cut_off_and_reported()
    {
        var pristine = _temp.Sub("pristine");
        var (segment, before, after) = WriteLogEndingInOneEntryBatch(pristine);
        var segmentName = Path.GetFileName(segment);
        after.Should().BeGreaterThan(before + 9);

        for (var length = before + 1; length < after; length++)
        {
            var copy = _temp.Sub($"torn-{length}");
            CopyDirectory(pristine, copy);
            var tornSegment = Path.Combine(WalDirectory(copy), segmentName);
            Truncate(tornSegment, length);

            using (var storage = Open(copy))
            {
                var state = storage.Load();
                state.Entries.ShouldEqual(Entries(1, 5, 1));
                state.HardState.Should().Be(Hard(1, 3));
                storage.LastIndex.Should().Be(5);
                var torn = storage.Recovery.TornTail;
                torn.Should().NotBeNull($"a file cut to {length} bytes ends in a torn record");
                torn!.File.Should().Be(tornSegment);
                torn.Offset.Should().Be(before);
                torn.BytesCut.Should().Be(length - before);
                storage.Recovery.ToString().Should().Contain($"torn write cut at {tornSegment} offset {before} ({length - before} bytes)");
            }
            new FileInfo(tornSegment).Length.Should().Be(before, "the torn bytes are cut off the file");

            using (var again = Open(copy))
            {
                again.Recovery.IsClean.Should().BeTrue("the cut was made durable, so the next start finds a clean log");
            }
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void A_file_ending_exactly_at_a_batch_boundary_is_clean()
    {
        var pristine = _temp.Sub("node");
        var (segment, before, _) = WriteLogEndingInOneEntryBatch(pristine);
        Truncate(segment, before);

        using var storage = Open(pristine);

        storage.Recovery.IsClean.Should().BeTrue();
        storage.Load().Entries.ShouldEqual(Entries(1, 5, 1));
    }

    [Fact]
    public void A_batch_torn_anywhere_is_dropped_whole_so_entries_never_outlive_their_hard_state()
    {
        var pristine = _temp.Sub("pristine");
        string segmentName;
        long before, after;
        using (var storage = Open(pristine))
        {
            storage.Save(Hard(1, 0), Entries(1, 2, 1), null);
            var segment = Segments(pristine).Single();
            segmentName = Path.GetFileName(segment);
            before = new FileInfo(segment).Length;
            storage.Save(Hard(2, 2), Entries(3, 5, 2), null);
            after = new FileInfo(segment).Length;
        }

        for (var length = before + 1; length < after; length++)
        {
            var copy = _temp.Sub($"torn-{length}");
            CopyDirectory(pristine, copy);
            Truncate(Path.Combine(WalDirectory(copy), segmentName), length);

            using (var storage = Open(copy))
            {
                var state = storage.Load();
                state.Entries.ShouldEqual(Entries(1, 2, 1));
                state.HardState.Should().Be(Hard(1, 0));
                storage.Recovery.TornTail!.Offset.Should().Be(before);
            }
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Trailing_zeros_after_the_last_record_are_cut_off_and_reported()
    {
        var directory = _temp.Sub("node");
        var (segment, _, after) = WriteLogEndingInOneEntryBatch(directory);
        using (var stream = new FileStream(segment, FileMode.Append))
        {
            stream.Write(new byte[4096]);
        }

        using var storage = Open(directory);

        storage.Load().Entries.ShouldEqual([.. Entries(1, 5, 1), .. Entries(6, 6, 1, padding: 10)]);
        storage.Recovery.TornTail!.Offset.Should().Be(after);
        storage.Recovery.TornTail.BytesCut.Should().Be(4096);
    }

    [Fact]
    public void A_tail_record_with_a_bad_checksum_and_nothing_after_it_is_cut_off()
    {
        var directory = _temp.Sub("node");
        var (segment, before, after) = WriteLogEndingInOneEntryBatch(directory);
        FlipBit(segment, after - 1, 3);

        using var storage = Open(directory);

        storage.Load().Entries.ShouldEqual(Entries(1, 5, 1));
        storage.Recovery.TornTail!.Offset.Should().Be(before);
        storage.Recovery.TornTail.Reason.Should().Contain("checksum mismatch");
    }

    [Fact]
    public void Saves_after_a_cut_are_appended_where_the_log_now_ends_and_survive_reopen()
    {
        var directory = _temp.Sub("node");
        var (segment, before, _) = WriteLogEndingInOneEntryBatch(directory);
        Truncate(segment, before + 5);

        using (var storage = Open(directory))
        {
            storage.Save(Hard(2, 5), Entries(6, 7, 2), null);
        }

        using var reopened = Open(directory);
        reopened.Load().Entries.ShouldEqual([.. Entries(1, 5, 1), .. Entries(6, 7, 2)]);
        reopened.Recovery.IsClean.Should().BeTrue();
    }

    [Fact]
    public void A_new_segment_torn_in_its_first_write_is_removed_and_the_state_before_it_recovered()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory, segmentBytes: 256))
        {
            storage.Save(Hard(3, 0, vote: 2), [], null);
            for (var i = 1L; i <= 12; i++)
            {
                storage.Save(Hard(3, i - 1, vote: 2), Entries(i, i, 3, padding: 40), null);
            }
        }
        var segments = Segments(directory);
        segments.Length.Should().BeGreaterThan(2);
        using (var storage = Open(directory, segmentBytes: 256))
        {
            var last = storage.LastIndex;
            storage.Save(Hard(3, last, vote: 2), Entries(last + 1, last + 1, 3, padding: 200), null);
        }
        var newest = Segments(directory)[^1];
        newest.Should().NotBe(segments[^1], "the big batch opened a new segment");
        Truncate(newest, 20);

        using (var storage = Open(directory, segmentBytes: 256))
        {
            storage.Load().Entries.ShouldEqual(Enumerable.Range(1, 12).SelectMany(i => Entries(i, i, 3, padding: 40)));
            storage.Load().HardState.Should().Be(Hard(3, 11, vote: 2));
            storage.Recovery.TornTail!.File.Should().Be(newest);
            File.Exists(newest).Should().BeFalse();
            storage.Save(null, Entries(13, 13, 3, padding: 200), null);
        }

        using var reopened = Open(directory, segmentBytes: 256);
        reopened.LastIndex.Should().Be(13);
        reopened.Recovery.IsClean.Should().BeTrue();
    }

    [Fact]
    public void An_empty_last_segment_left_by_a_crash_is_removed()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(1, 0), Entries(1, 2, 1), null);
        }
        var empty = Path.Combine(WalDirectory(directory), "0000000000000002-0000000000000003.wal");
        File.WriteAllBytes(empty, []);

        using var reopened = Open(directory);

        reopened.Load().Entries.ShouldEqual(Entries(1, 2, 1));
        File.Exists(empty).Should().BeFalse();
        reopened.Recovery.Notes.Should().ContainSingle(n => n.Contains("removed empty segment"));
    }

    [Fact]
    public void A_torn_write_of_the_only_segment_leaves_an_empty_log()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(1, 0), Entries(1, 1, 1), null);
        }
        var segment = Segments(directory).Single();
        Truncate(segment, 30);

        using var reopened = Open(directory);

        reopened.Load().Should().BeEquivalentTo(PersistentState.Empty);
        reopened.SegmentCount.Should().Be(0);
        reopened.Recovery.TornTail!.BytesCut.Should().Be(30);
    }
}
