using RaftKv.Core;
using RaftKv.Storage.Tests.Support;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

/// <summary>Raft §5.3: a follower's conflicting suffix is replaced by the leader's entries.</summary>
public sealed class OverwriteTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Entries_starting_at_or_below_the_last_index_truncate_the_conflicting_suffix()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(1, 2), Entries(1, 5, 1), null);
            storage.Save(Hard(2, 2), Entries(3, 4, 2), null);

            storage.LastIndex.Should().Be(4);
            storage.Load().Entries.ShouldEqual([.. Entries(1, 2, 1), .. Entries(3, 4, 2)]);
        }

        using var reopened = Open(directory);

        reopened.Load().Entries.ShouldEqual([.. Entries(1, 2, 1), .. Entries(3, 4, 2)]);
        reopened.LastIndex.Should().Be(4);
    }

    [Fact]
    public void Overwriting_the_last_entry_alone_replaces_it()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(2, 0), Entries(1, 3, 1), null);
            storage.Save(null, Entries(3, 3, 2), null);
        }

        using var reopened = Open(directory);

        reopened.Load().Entries.ShouldEqual([.. Entries(1, 2, 1), .. Entries(3, 3, 2)]);
    }

    [Fact]
    public void An_overwrite_reaching_back_into_an_earlier_segment_survives_reopen()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory, segmentBytes: 512))
        {
            storage.Save(Hard(1, 0), [], null);
            for (var i = 1; i <= 40; i++)
            {
                storage.Save(null, Entries(i, i, 1), null);
            }
            storage.SegmentCount.Should().BeGreaterThan(3);
            storage.Save(Hard(2, 2), Entries(3, 10, 2), null); // commit 2: the overwrite starts just after it
            storage.Save(null, Entries(11, 12, 2), null);
        }

        using var reopened = Open(directory, segmentBytes: 512);

        reopened.Load().Entries.ShouldEqual([.. Entries(1, 2, 1), .. Entries(3, 12, 2)]);
        reopened.Recovery.IsClean.Should().BeTrue();
    }

    [Fact]
    public void Save_refuses_a_gap_after_the_last_entry_and_writes_nothing()
    {
        var directory = _temp.Sub("node");
        using var storage = Open(directory);
        storage.Save(Hard(1, 0), Entries(1, 2, 1), null);
        var bytes = storage.DiskBytes;

        var act = () => storage.Save(null, Entries(4, 5, 1), null);

        act.Should().Throw<ArgumentException>().WithMessage("*gap*");
        storage.DiskBytes.Should().Be(bytes);
        storage.LastIndex.Should().Be(2);
        storage.Load().Entries.ShouldEqual(Entries(1, 2, 1));
    }

    [Fact]
    public void Save_refuses_entries_that_are_not_consecutive()
    {
        using var storage = Open(_temp.Sub("node"));

        var act = () => storage.Save(Hard(1, 0), [.. Entries(1, 2, 1), .. Entries(4, 4, 1)], null);

        act.Should().Throw<ArgumentException>().WithMessage("*not consecutive*");
        storage.LastIndex.Should().Be(0);
    }

    [Fact]
    public void Save_refuses_to_overwrite_a_committed_entry()
    {
        using var storage = Open(_temp.Sub("node"));
        storage.Save(Hard(1, 3), Entries(1, 4, 1), null);

        var act = () => storage.Save(Hard(2, 3), Entries(3, 3, 2), null);

        act.Should().Throw<ArgumentException>().WithMessage("*committed*");
        storage.Load().Entries.ShouldEqual(Entries(1, 4, 1));
    }

    [Fact]
    public void Save_accepts_committed_entries_written_again_with_the_same_terms()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(1, 3), Entries(1, 4, 1), null);

            storage.Save(Hard(2, 3), [.. Entries(2, 4, 1), .. Entries(5, 5, 2)], null);
        }

        using var reopened = Open(directory);
        reopened.Load().Entries.ShouldEqual([.. Entries(1, 4, 1), .. Entries(5, 5, 2)]);
    }

    [Fact]
    public void Save_refuses_a_batch_that_cuts_committed_entries_away()
    {
        using var storage = Open(_temp.Sub("node"));
        storage.Save(Hard(1, 3), Entries(1, 4, 1), null);

        var act = () => storage.Save(null, Entries(2, 2, 1), null);

        act.Should().Throw<ArgumentException>().WithMessage("*commit index 3 is beyond the last entry 2*");
        storage.LastIndex.Should().Be(4);
    }

    [Fact]
    public void Save_refuses_a_term_lower_than_the_entry_before_it()
    {
        using var storage = Open(_temp.Sub("node"));
        storage.Save(Hard(3, 0), Entries(1, 2, 3), null);

        var act = () => storage.Save(null, Entries(3, 3, 2), null);

        act.Should().Throw<ArgumentException>().WithMessage("*lower than the term*");
    }

    [Fact]
    public void Save_refuses_entries_of_a_term_newer_than_the_durable_term()
    {
        using var storage = Open(_temp.Sub("node"));

        var act = () => storage.Save(Hard(1, 0), Entries(1, 1, 2), null);

        act.Should().Throw<ArgumentException>().WithMessage("*newer than the durable term*");
        storage.DiskBytes.Should().Be(0);
    }

    [Fact]
    public void Save_refuses_a_hard_state_whose_term_goes_back()
    {
        using var storage = Open(_temp.Sub("node"));
        storage.Save(Hard(5, 0), [], null);

        var act = () => storage.Save(Hard(4, 0), [], null);

        act.Should().Throw<ArgumentException>().WithMessage("*term 4 is lower than the durable term 5*");
    }

    [Fact]
    public void Save_refuses_to_change_a_vote_within_a_term()
    {
        using var storage = Open(_temp.Sub("node"));
        storage.Save(new HardState(5, 2, 0), [], null);

        var act = () => storage.Save(new HardState(5, 3, 0), [], null);

        act.Should().Throw<ArgumentException>().WithMessage("*changes the vote in term 5 from node 2 to node 3*");
    }

    [Fact]
    public void Save_accepts_a_first_vote_in_the_current_term()
    {
        using var storage = Open(_temp.Sub("node"));
        storage.Save(new HardState(5, NodeIds.None, 0), [], null);

        storage.Save(new HardState(5, 3, 0), [], null);

        storage.Load().HardState.Should().Be(new HardState(5, 3, 0));
    }

    [Fact]
    public void Save_refuses_a_commit_index_beyond_the_last_entry()
    {
        using var storage = Open(_temp.Sub("node"));

        var act = () => storage.Save(Hard(1, 3), Entries(1, 2, 1), null);

        act.Should().Throw<ArgumentException>().WithMessage("*commit index 3 is beyond the last entry 2*");
    }

    [Fact]
    public void Save_refuses_a_commit_index_that_moves_back()
    {
        using var storage = Open(_temp.Sub("node"));
        storage.Save(Hard(1, 2), Entries(1, 2, 1), null);

        var act = () => storage.Save(Hard(1, 1), [], null);

        act.Should().Throw<ArgumentException>().WithMessage("*commit index 1 is lower*");
    }

    [Fact]
    public void Save_refuses_an_entry_with_null_data()
    {
        using var storage = Open(_temp.Sub("node"));

        var act = () => storage.Save(Hard(1, 0), [new Entry(1, 1, EntryType.Command, null!)], null);

        act.Should().Throw<ArgumentException>().WithMessage("*null Data*");
    }

    [Fact]
    public void A_refused_save_leaves_the_storage_usable()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(1, 0), Entries(1, 2, 1), null);
            var refused = () => storage.Save(null, Entries(5, 5, 1), null);
            refused.Should().Throw<ArgumentException>();

            storage.Save(null, Entries(3, 3, 1), null);
        }

        using var reopened = Open(directory);

        reopened.Load().Entries.ShouldEqual(Entries(1, 3, 1));
    }
}
