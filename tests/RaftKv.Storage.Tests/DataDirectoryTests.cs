using RaftKv.Storage.Tests.Support;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

public sealed class DataDirectoryTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string WrittenDirectory()
    {
        var directory = _temp.Sub("node");
        using var storage = Open(directory);
        storage.Save(Hard(1, 0), Entries(1, 2, 1), null);
        return directory;
    }

    [Fact]
    public void A_data_directory_of_another_node_is_refused_with_both_ids_and_the_directory_named()
    {
        var directory = WrittenDirectory();

        var act = () => RaftStorage.Open(directory, Cluster, nodeId: 2).Dispose();

        var thrown = act.Should().Throw<DataDirectoryMismatchException>().Which;
        thrown.Message.Should().Contain(directory).And.Contain("node 1").And.Contain("node 2").And.Contain(Cluster);
        thrown.Directory.Should().Be(directory);
    }

    [Fact]
    public void A_data_directory_of_another_cluster_is_refused_with_both_ids_named()
    {
        var directory = WrittenDirectory();

        var act = () => RaftStorage.Open(directory, "other-cluster", Node).Dispose();

        act.Should().Throw<DataDirectoryMismatchException>()
            .WithMessage($"*{directory}*'{Cluster}'*'other-cluster'*");
    }

    [Fact]
    public void A_refused_directory_is_left_untouched()
    {
        var directory = WrittenDirectory();
        var metadata = File.ReadAllText(Path.Combine(directory, "raftkv.meta"));

        var act = () => RaftStorage.Open(directory, Cluster, nodeId: 2).Dispose();
        act.Should().Throw<DataDirectoryMismatchException>();

        File.ReadAllText(Path.Combine(directory, "raftkv.meta")).Should().Be(metadata);
        using var storage = Open(directory);
        storage.Load().Entries.ShouldEqual(Entries(1, 2, 1));
    }

    [Fact]
    public void A_directory_with_log_files_but_no_metadata_is_refused()
    {
        var directory = WrittenDirectory();
        File.Delete(Path.Combine(directory, "raftkv.meta"));

        var act = () => Open(directory).Dispose();

        act.Should().Throw<DataDirectoryMismatchException>().WithMessage("*wal/*no raftkv.meta*");
    }

    [Fact]
    public void A_malformed_metadata_file_is_reported_as_corrupt()
    {
        var directory = WrittenDirectory();
        var metadata = Path.Combine(directory, "raftkv.meta");
        File.WriteAllText(metadata, "node=one\n");

        var act = () => Open(directory).Dispose();

        act.Should().Throw<CorruptLogException>().Which.File.Should().Be(metadata);
    }

    [Fact]
    public void A_directory_cannot_be_opened_twice_at_once()
    {
        var directory = _temp.Sub("node");
        using var first = Open(directory);

        var act = () => Open(directory).Dispose();

        act.Should().Throw<IOException>().WithMessage("*already in use*");
    }

    [Fact]
    public void A_disposed_storage_releases_the_directory_and_refuses_further_calls()
    {
        var directory = _temp.Sub("node");
        var storage = Open(directory);
        storage.Dispose();

        var save = () => storage.Save(Hard(1, 0), [], null);
        save.Should().Throw<ObjectDisposedException>();
        using var again = Open(directory);
        again.LastIndex.Should().Be(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("line\nbreak")]
    [InlineData(" padded")]
    public void Open_refuses_a_blank_or_unprintable_cluster_id(string clusterId)
    {
        var directory = _temp.Sub("node");

        var act = () => RaftStorage.Open(directory, clusterId, Node).Dispose();

        act.Should().Throw<ArgumentException>();
        File.Exists(Path.Combine(directory, "raftkv.meta")).Should().BeFalse();
    }

    [Fact]
    public void Open_refuses_a_negative_node_id()
    {
        var act = () => RaftStorage.Open(_temp.Sub("node"), Cluster, -1).Dispose();

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Open_refuses_a_segment_size_outside_the_allowed_range_naming_the_option()
    {
        var act = () => RaftStorage.Open(_temp.Sub("node"), Cluster, Node, new StorageOptions { SegmentBytes = 10 }).Dispose();

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*SegmentBytes must be between*");
    }

    [Fact]
    public void Storage_without_fsync_keeps_the_same_format()
    {
        var directory = _temp.Sub("node");
        using (var storage = RaftStorage.Open(directory, Cluster, Node, new StorageOptions { Fsync = false, SegmentBytes = 512 }))
        {
            storage.Save(Hard(1, 0), Entries(1, 20, 1), null);
            storage.Save(Hard(1, 40), Entries(21, 40, 1), null);
            storage.Compact(Snapshot(30, 1));
        }

        using var reopened = Open(directory);

        reopened.Load().Entries.ShouldEqual(Entries(31, 40, 1));
        reopened.Load().HardState.Should().Be(Hard(1, 40));
    }

    [Fact]
    public void The_recovery_report_reads_as_one_line_for_the_node_log()
    {
        var directory = WrittenDirectory();

        using var storage = Open(directory);

        storage.Recovery.ToString().Should().StartWith($"recovered {directory} in ").And.Contain("no snapshot, 1 segments, 4 records, 2 entries");
        storage.Recovery.Duration.Should().BeGreaterThan(TimeSpan.Zero);
    }
}
