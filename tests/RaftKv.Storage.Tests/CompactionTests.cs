using RaftKv.Storage.Snapshots;
using RaftKv.Storage.Tests.Support;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

public sealed class CompactionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static RaftStorage WriteLog(string directory, long entries, long commit)
    {
        var storage = Open(directory, segmentBytes: 512);
        storage.Save(Hard(1, 0), [], null);
        for (var i = 1L; i <= entries; i++)
        {
            storage.Save(null, Entries(i, i, 1), null);
        }
        storage.Save(Hard(1, commit), [], null);
        return storage;
    }

    [Fact]
    public void Compaction_deletes_the_segments_the_snapshot_wholly_covers_and_survives_reopen()
    {
        var directory = _temp.Sub("node");
        int segmentsBefore;
        using (var storage = WriteLog(directory, entries: 60, commit: 50))
        {
            segmentsBefore = storage.SegmentCount;
            var bytesBefore = storage.DiskBytes;

            storage.Compact(Snapshot(50, 1));

            storage.FirstIndex.Should().Be(51);
            storage.LastIndex.Should().Be(60);
            storage.SegmentCount.Should().BeLessThan(segmentsBefore);
            storage.DiskBytes.Should().BeLessThan(bytesBefore);
            Segments(directory).Should().HaveCount(storage.SegmentCount);
        }

        using var reopened = Open(directory, segmentBytes: 512);
        var state = reopened.Load();

        state.Snapshot!.Metadata.Index.Should().Be(50);
        state.Entries.ShouldEqual(Entries(51, 60, 1));
        state.HardState.Should().Be(Hard(1, 50));
        reopened.FirstIndex.Should().Be(51);
        reopened.Recovery.IsClean.Should().BeTrue();
    }

    [Fact]
    public void Compaction_of_the_whole_log_keeps_the_current_segment_and_the_hard_state()
    {
        var directory = _temp.Sub("node");
        using (var storage = WriteLog(directory, entries: 30, commit: 30))
        {
            storage.Compact(Snapshot(30, 1));

            storage.FirstIndex.Should().Be(31);
            storage.LastIndex.Should().Be(30);
            storage.SegmentCount.Should().Be(1);
            storage.Save(null, Entries(31, 32, 1), null);
        }

        using var reopened = Open(directory, segmentBytes: 512);
        var state = reopened.Load();

        state.Entries.ShouldEqual(Entries(31, 32, 1));
        state.HardState.Should().Be(Hard(1, 30));
    }

    [Fact]
    public void Recovery_finishes_a_compaction_that_a_crash_interrupted_before_segments_were_deleted()
    {
        var directory = _temp.Sub("node");
        int segmentsBefore;
        using (var storage = WriteLog(directory, entries: 60, commit: 50))
        {
            segmentsBefore = storage.SegmentCount;
        }
        // What Compact makes durable first.
        SnapshotFormat.Write(SnapDirectory(directory), Snapshot(50, 1), fsync: false);

        using var reopened = Open(directory, segmentBytes: 512);

        reopened.SegmentCount.Should().BeLessThan(segmentsBefore);
        Segments(directory).Should().HaveCount(reopened.SegmentCount);
        reopened.Recovery.Notes.Should().ContainSingle(n => n.Contains("wholly covered by the snapshot"));
        reopened.Load().Entries.ShouldEqual(Entries(51, 60, 1));
    }

    [Fact]
    public void At_most_two_snapshots_are_kept()
    {
        var directory = _temp.Sub("node");
        using var storage = WriteLog(directory, entries: 40, commit: 40);

        storage.Compact(Snapshot(10, 1, "a"));
        storage.Compact(Snapshot(20, 1, "b"));
        storage.Compact(Snapshot(30, 1, "c"));

        SnapshotFiles(directory).Select(Path.GetFileName).Should().Equal(
            "0000000000000001-0000000000000014.snap", "0000000000000001-000000000000001e.snap");
        RaftKv.Core.SnapshotBytes.ReadAll(storage.Load().Snapshot!.Data).Should().Equal("c"u8.ToArray());
    }

    [Fact]
    public void Compact_refuses_a_snapshot_that_is_not_newer_than_the_current_one()
    {
        using var storage = WriteLog(_temp.Sub("node"), entries: 20, commit: 20);
        storage.Compact(Snapshot(10, 1));

        var act = () => storage.Compact(Snapshot(10, 1));

        act.Should().Throw<ArgumentException>().WithMessage("*not newer*");
        storage.FirstIndex.Should().Be(11);
    }

    [Fact]
    public void Compact_refuses_a_snapshot_of_uncommitted_entries()
    {
        var directory = _temp.Sub("node");
        using var storage = WriteLog(directory, entries: 20, commit: 10);

        var act = () => storage.Compact(Snapshot(15, 1));

        act.Should().Throw<ArgumentException>().WithMessage("*not committed*");
        SnapshotFiles(directory).Should().BeEmpty();
        storage.FirstIndex.Should().Be(1);
    }

    [Fact]
    public void Compact_refuses_a_snapshot_whose_term_differs_from_the_log()
    {
        using var storage = WriteLog(_temp.Sub("node"), entries: 20, commit: 20);

        var act = () => storage.Compact(Snapshot(15, 2));

        act.Should().Throw<ArgumentException>().WithMessage("*term 2, the log has term 1*");
    }

    [Fact]
    public void Compact_refuses_a_snapshot_beyond_the_last_entry()
    {
        using var storage = WriteLog(_temp.Sub("node"), entries: 20, commit: 20);

        var act = () => storage.Compact(Snapshot(21, 1));

        act.Should().Throw<ArgumentException>().WithMessage("*beyond the last entry 20*");
    }

    [Fact]
    public void Save_refuses_entries_that_would_overwrite_compacted_ones()
    {
        using var storage = WriteLog(_temp.Sub("node"), entries: 20, commit: 20);
        storage.Compact(Snapshot(15, 1));

        var act = () => storage.Save(Hard(2, 20), Entries(10, 10, 2), null);

        act.Should().Throw<ArgumentException>();
        storage.LastIndex.Should().Be(20);
    }
}
