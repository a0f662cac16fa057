using RaftKv.Storage.Snapshots;
using RaftKv.Storage.Tests.Support;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

/// <summary>Raft §7 InstallSnapshot: a snapshot from the leader replaces the follower's log.</summary>
public sealed class LeaderSnapshotTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Saving_a_leader_snapshot_resets_the_log_to_the_snapshot_and_the_entries_after_it()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory, segmentBytes: 512))
        {
            storage.Save(Hard(1, 0), [], null);
            for (var i = 1L; i <= 30; i++)
            {
                storage.Save(null, Entries(i, i, 1), null);
            }

            storage.Save(Hard(3, 100), Entries(101, 102, 3), Snapshot(100, 2, "leader state"));

            storage.FirstIndex.Should().Be(101);
            storage.LastIndex.Should().Be(102);
            storage.SegmentCount.Should().Be(1, "the segments of the old log are discarded");
        }

        using var reopened = Open(directory, segmentBytes: 512);
        var state = reopened.Load();

        state.Snapshot!.Metadata.Index.Should().Be(100);
        state.Snapshot.Metadata.Term.Should().Be(2);
        RaftKv.Core.SnapshotBytes.ReadAll(state.Snapshot.Data).Should().Equal("leader state"u8.ToArray());
        state.Entries.ShouldEqual(Entries(101, 102, 3));
        state.HardState.Should().Be(Hard(3, 100));
        reopened.Recovery.IsClean.Should().BeTrue();
    }

    [Fact]
    public void A_leader_snapshot_without_entries_or_hard_state_keeps_the_durable_hard_state()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(4, 0, vote: 0), Entries(1, 3, 4), null);
            storage.Save(null, [], Snapshot(50, 4));
            storage.Save(null, Entries(51, 51, 4), null);
        }

        using var reopened = Open(directory);
        var state = reopened.Load();

        state.HardState.Should().Be(Hard(4, 0, vote: 0));
        state.Entries.ShouldEqual(Entries(51, 51, 4));
        reopened.FirstIndex.Should().Be(51);
    }

    [Fact]
    public void A_leader_snapshot_behind_the_local_log_discards_the_conflicting_entries()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(2, 3), Entries(1, 10, 2), null);
            storage.Save(Hard(5, 6), [], Snapshot(6, 4));
        }

        using var reopened = Open(directory);

        reopened.Load().Entries.Should().BeEmpty();
        reopened.LastIndex.Should().Be(6);
    }

    [Fact]
    public void Save_refuses_a_leader_snapshot_that_is_not_newer_than_the_current_snapshot()
    {
        using var storage = Open(_temp.Sub("node"));
        storage.Save(Hard(2, 0), [], Snapshot(10, 2));

        var act = () => storage.Save(null, [], Snapshot(10, 2));

        act.Should().Throw<ArgumentException>().WithMessage("*not newer*");
    }

    [Fact]
    public void Save_refuses_entries_that_do_not_follow_the_leader_snapshot()
    {
        using var storage = Open(_temp.Sub("node"));

        var act = () => storage.Save(Hard(2, 0), Entries(12, 12, 2), Snapshot(10, 2));

        act.Should().Throw<ArgumentException>().WithMessage("*gap*");
        SnapshotFiles(_temp.Sub("node")).Should().BeEmpty("a refused save writes nothing, not even the snapshot");
    }

    [Fact]
    public void A_crash_after_the_leader_snapshot_but_before_the_log_reset_recovers_the_snapshot_and_drops_conflicting_entries()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(2, 3), Entries(1, 10, 2), null);
        }
        // What Save(snapshot) makes durable first, before the reset of the log that the crash prevented.
        // Entry 6 has term 2 locally; the leader's snapshot says term 4 at index 6: entries 7..10 are of a dead history.
        SnapshotFormat.Write(SnapDirectory(directory), Snapshot(6, 4), fsync: false);

        using var reopened = Open(directory);
        var state = reopened.Load();

        state.Snapshot!.Metadata.Index.Should().Be(6);
        state.Entries.Should().BeEmpty();
        state.HardState.Should().Be(Hard(2, 3));
        reopened.LastIndex.Should().Be(6);
        reopened.Recovery.Notes.Should().ContainSingle(n => n.Contains("discarded 4 entries after index 6"));
    }

    [Fact]
    public void A_crash_after_a_leader_snapshot_that_matches_the_log_keeps_the_entries_after_it()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(2, 3), Entries(1, 10, 2), null);
        }
        SnapshotFormat.Write(SnapDirectory(directory), Snapshot(6, 2), fsync: false);

        using var reopened = Open(directory);

        reopened.Load().Entries.ShouldEqual(Entries(7, 10, 2));
        reopened.Recovery.Notes.Should().BeEmpty();
    }
}
