using RaftKv.Storage.Tests.Support;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

public sealed class SegmentTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Many_batches_roll_over_many_segments_and_all_survive_reopen()
    {
        var directory = _temp.Sub("node");
        const int Batches = 300;
        using (var storage = Open(directory, segmentBytes: 1024))
        {
            storage.Save(Hard(1, 0), [], null);
            for (var batch = 0; batch < Batches; batch++)
            {
                var first = batch * 3L + 1;
                storage.Save(Hard(1 + batch / 100, first - 1), Entries(first, first + 2, 1 + batch / 100), null);
            }
            storage.SegmentCount.Should().BeGreaterThan(20);
        }

        using var reopened = Open(directory, segmentBytes: 1024);
        var state = reopened.Load();

        state.Entries.Should().HaveCount(Batches * 3);
        state.Entries.Select(e => e.Index).Should().BeInAscendingOrder().And.StartWith(1L).And.EndWith(Batches * 3L);
        state.Entries[^1].Data.Should().Equal(Data(Batches * 3L, 3));
        state.HardState.Should().Be(Hard(3, Batches * 3L - 3));
        reopened.Recovery.SegmentsReplayed.Should().Be(reopened.SegmentCount);
        reopened.Recovery.IsClean.Should().BeTrue();
    }

    [Fact]
    public void Segments_stay_within_segment_bytes_and_name_the_index_they_start_at()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory, segmentBytes: 1024))
        {
            storage.Save(Hard(1, 0), [], null);
            for (var i = 1L; i <= 100; i++)
            {
                storage.Save(null, Entries(i, i, 1), null);
            }
        }

        var segments = Segments(directory);
        segments.Should().OnlyContain(s => new FileInfo(s).Length <= 1024);
        var sequences = segments.Select(s => Convert.ToInt64(Path.GetFileName(s)[..16], 16));
        sequences.Should().Equal(Enumerable.Range(1, segments.Length).Select(i => (long)i));
        var firstIndexes = segments.Select(s => Convert.ToInt64(Path.GetFileName(s).Substring(17, 16), 16)).ToList();
        firstIndexes[0].Should().Be(1);
        firstIndexes.Should().BeInAscendingOrder();

        using var reopened = Open(directory, segmentBytes: 1024);
        reopened.Load().Entries.ShouldEqual(Entries(1, 100, 1));
    }

    [Fact]
    public void A_batch_larger_than_segment_bytes_gets_a_segment_of_its_own()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory, segmentBytes: 1024))
        {
            storage.Save(Hard(1, 0), Entries(1, 1, 1), null);
            storage.Save(null, Entries(2, 3, 1, padding: 3000), null);
            storage.Save(null, Entries(4, 4, 1), null);

            storage.SegmentCount.Should().Be(3);
        }

        using var reopened = Open(directory, segmentBytes: 1024);

        reopened.Load().Entries.ShouldEqual([.. Entries(1, 1, 1), .. Entries(2, 3, 1, padding: 3000), .. Entries(4, 4, 1)]);
    }

    [Fact]
    public void Writing_continues_in_the_last_segment_after_reopen()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(1, 0), Entries(1, 2, 1), null);
        }
        using (var storage = Open(directory))
        {
            storage.Save(Hard(1, 2), Entries(3, 4, 1), null);
            storage.SegmentCount.Should().Be(1);
        }

        using var reopened = Open(directory);

        reopened.Load().Entries.ShouldEqual(Entries(1, 4, 1));
        reopened.Load().HardState.Should().Be(Hard(1, 2));
    }

    [Fact]
    public void The_hard_state_is_repeated_in_each_new_segment()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory, segmentBytes: 256))
        {
            storage.Save(Hard(7, 0, vote: 2), [], null);
            for (var i = 1L; i <= 20; i++)
            {
                storage.Save(null, Entries(i, i, 7, padding: 100), null);
            }
        }
        var segments = Segments(directory);
        segments.Length.Should().BeGreaterThan(2);

        // Replaying only the newest segment must still find the vote: delete all but it, and a snapshot covering them.
        using (var storage = Open(directory, segmentBytes: 256))
        {
            storage.Save(Hard(7, 20, vote: 2), [], null);
            storage.Compact(Snapshot(19, 7));
        }

        using var reopened = Open(directory, segmentBytes: 256);
        reopened.Load().HardState.Should().Be(Hard(7, 20, vote: 2));
        reopened.SegmentCount.Should().Be(1);
    }
}
