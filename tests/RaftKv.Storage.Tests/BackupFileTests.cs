using RaftKv.Core;
using RaftKv.Storage.Backups;
using RaftKv.Storage.Tests.Support;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

/// <summary>Backups (raftctl snapshot save) and seeding a new cluster's data directory from one (raftnode --restore).</summary>
public sealed class BackupFileTests : IDisposable
{
    private static readonly ClusterConfig NewCluster = ClusterConfig.OfAddresses(["10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"]);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string BackupPath() => Path.Combine(Directory.CreateDirectory(_temp.Sub("backups")).FullName, "cluster.snap");

    [Fact]
    public void Seeding_an_empty_directory_makes_the_backup_its_committed_snapshot_with_the_new_members()
    {
        var backup = BackupPath();
        BackupFile.Write(backup, Snapshot(250, 4, "the whole state"));
        var directory = _temp.Sub("node-1");

        BackupFile.Seed(backup, directory, Cluster, 1, NewCluster);

        using var storage = RaftStorage.Open(directory, Cluster, 1);
        var state = storage.Load();
        state.Snapshot!.Metadata.Index.Should().Be(250);
        state.Snapshot.Metadata.Term.Should().Be(4);
        state.Snapshot.Metadata.Config.Voters.Should().Equal(0, 1, 2);
        state.Snapshot.Metadata.Config.AddressOf(2).Should().Be("10.0.0.3:7000");
        SnapshotBytes.ReadAll(state.Snapshot.Data).Should().Equal("the whole state"u8.ToArray());
        state.HardState.Commit.Should().Be(250);
        state.HardState.Term.Should().Be(4);
        state.Entries.Should().BeEmpty();
    }

    [Fact]
    public void Seeding_refuses_a_directory_that_already_holds_a_log_and_changes_nothing()
    {
        var backup = BackupPath();
        BackupFile.Write(backup, Snapshot(250, 4));
        var directory = _temp.Sub("node-0");
        using (var storage = RaftStorage.Open(directory, Cluster, 0))
            storage.Save(Hard(1, 0, vote: 0), Entries(1, 3, 1), null);

        var act = () => BackupFile.Seed(backup, directory, Cluster, 0, NewCluster);

        act.Should().Throw<IOException>().WithMessage("*already holds a log*");
        using var reopened = RaftStorage.Open(directory, Cluster, 0);
        reopened.Load().Entries.Should().HaveCount(3);
        reopened.Load().Snapshot.Should().BeNull();
    }

    [Fact]
    public void A_damaged_backup_is_refused_naming_the_file_before_anything_is_seeded()
    {
        var backup = BackupPath();
        BackupFile.Write(backup, Snapshot(250, 4, "the whole state"));
        var bytes = File.ReadAllBytes(backup);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(backup, bytes);
        var directory = Path.Combine(_temp.Sub("x"), "node-2");

        var act = () => BackupFile.Seed(backup, directory, Cluster, 2, NewCluster);

        act.Should().Throw<CorruptLogException>().Which.Message.Should().Contain(backup).And.Contain("checksum");
        Directory.Exists(directory).Should().BeFalse("nothing is created from a damaged backup");
    }
}
