using RaftKv.Core;
using RaftKv.Storage.Tests.Support;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

public sealed class RoundTripTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_new_directory_loads_as_the_empty_state()
    {
        using var storage = Open(_temp.Sub("node"));

        var state = storage.Load();

        state.HardState.Should().Be(HardState.Empty);
        state.Snapshot.Should().BeNull();
        state.Entries.Should().BeEmpty();
        storage.FirstIndex.Should().Be(1);
        storage.LastIndex.Should().Be(0);
        storage.SegmentCount.Should().Be(0);
        storage.Recovery.NewDirectory.Should().BeTrue();
        storage.Recovery.TornTail.Should().BeNull();
        storage.Recovery.Notes.Should().BeEmpty();
    }

    [Fact]
    public void An_opened_but_never_written_directory_reopens_as_the_empty_state()
    {
        var directory = _temp.Sub("node");
        Open(directory).Dispose();

        using var storage = Open(directory);

        storage.Load().Should().BeEquivalentTo(PersistentState.Empty);
        storage.Recovery.NewDirectory.Should().BeFalse();
        storage.Recovery.IsClean.Should().BeTrue();
    }

    [Fact]
    public void Entries_and_hard_state_survive_reopen()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(1, 0), Entries(1, 3, 1), null);
            storage.Save(Hard(2, 3, vote: 2), Entries(4, 5, 2), null);
        }

        using var reopened = Open(directory);
        var state = reopened.Load();

        state.HardState.Should().Be(Hard(2, 3, vote: 2));
        state.Snapshot.Should().BeNull();
        state.Entries.ShouldEqual([.. Entries(1, 3, 1), .. Entries(4, 5, 2)]);
        reopened.FirstIndex.Should().Be(1);
        reopened.LastIndex.Should().Be(5);
        reopened.Recovery.IsClean.Should().BeTrue();
        reopened.Recovery.EntriesRecovered.Should().Be(5);
    }

    [Fact]
    public void Entry_types_and_empty_data_survive_reopen()
    {
        var directory = _temp.Sub("node");
        Entry[] entries =
        [
            Entry.NoOpAt(1, 1),
            new(2, 1, EntryType.ConfigChange, new ConfigChange(ConfigChangeType.AddLearner, 3).Encode()),
            new(3, 1, EntryType.Command, []),
        ];
        using (var storage = Open(directory))
        {
            storage.Save(Hard(1, 0), entries, null);
        }

        using var reopened = Open(directory);

        reopened.Load().Entries.ShouldEqual(entries);
    }

    [Fact]
    public void A_snapshot_with_its_data_and_configuration_with_member_addresses_survives_reopen()
    {
        var directory = _temp.Sub("node");
        var config = new ClusterConfig([0, 1, 2], [4])
        {
            Addresses = System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(new Dictionary<int, string>
            {
                [0] = "10.0.0.1:7000", [1] = "node-b.example:7000", [2] = "[2001:db8::2]:7000", [4] = "nöde-4:7004",
            }),
        };
        var snapshot = new Snapshot(new SnapshotMetadata(3, 1, config), new SnapshotBytes([1, 2, 3, 4, 5]));
        using (var storage = Open(directory))
        {
            storage.Save(Hard(1, 3), Entries(1, 5, 1), null);
            storage.Compact(snapshot);
        }

        using var reopened = Open(directory);
        var state = reopened.Load();

        state.Snapshot.Should().NotBeNull();
        state.Snapshot!.Metadata.Should().Be(snapshot.Metadata);
        SnapshotBytes.ReadAll(state.Snapshot.Data).Should().Equal(SnapshotBytes.ReadAll(snapshot.Data));
        state.Entries.ShouldEqual(Entries(4, 5, 1));
        state.HardState.Should().Be(Hard(1, 3));
        reopened.FirstIndex.Should().Be(4);
        reopened.LastIndex.Should().Be(5);
        reopened.Recovery.Snapshot.Should().Be((3L, 1L));
    }

    [Fact]
    public void Load_after_further_saves_reads_the_current_state_again()
    {
        using var storage = Open(_temp.Sub("node"));
        storage.Save(Hard(1, 0), Entries(1, 2, 1), null);
        storage.Load().Entries.Should().HaveCount(2);

        storage.Save(Hard(1, 2), Entries(3, 4, 1), null);
        var state = storage.Load();

        state.Entries.ShouldEqual(Entries(1, 4, 1));
        state.HardState.Should().Be(Hard(1, 2));
        storage.Load().Entries.Should().HaveCount(4, "every Load after the first reads the files again");
    }

    [Fact]
    public void A_save_of_hard_state_alone_survives_reopen()
    {
        var directory = _temp.Sub("node");
        using (var storage = Open(directory))
        {
            storage.Save(Hard(5, 0, vote: 2), [], null);
        }

        using var reopened = Open(directory);

        reopened.Load().HardState.Should().Be(Hard(5, 0, vote: 2));
        reopened.LastIndex.Should().Be(0);
    }

    [Fact]
    public void A_save_with_nothing_in_it_writes_nothing()
    {
        var directory = _temp.Sub("node");
        using var storage = Open(directory);

        storage.Save(null, [], null);

        Segments(directory).Should().BeEmpty();
        storage.DiskBytes.Should().Be(0);
    }

    [Fact]
    public void Disk_bytes_counts_segments_and_snapshots()
    {
        var directory = _temp.Sub("node");
        using var storage = Open(directory);
        storage.Save(Hard(1, 2), Entries(1, 3, 1), null);
        storage.Compact(Snapshot(2, 1));

        var onDisk = Segments(directory).Concat(SnapshotFiles(directory)).Sum(f => new FileInfo(f).Length);

        storage.DiskBytes.Should().Be(onDisk);
    }

    [Fact]
    public void Segment_and_snapshot_files_are_named_by_sequence_first_index_term_and_index()
    {
        var directory = _temp.Sub("node");
        using var storage = Open(directory);
        storage.Save(Hard(1, 2), Entries(1, 3, 1), null);
        storage.Compact(Snapshot(2, 1));

        Segments(directory).Select(Path.GetFileName).Should().Equal("0000000000000001-0000000000000001.wal");
        SnapshotFiles(directory).Select(Path.GetFileName).Should().Equal("0000000000000001-0000000000000002.snap");
        File.ReadAllText(Path.Combine(directory, "raftkv.meta")).Should().Contain("cluster=test-cluster").And.Contain("node=1").And.Contain("format=1");
    }
}
