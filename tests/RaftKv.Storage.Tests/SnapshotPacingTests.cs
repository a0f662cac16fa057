using System.Diagnostics;
using RaftKv.Core;
using RaftKv.Storage.Snapshots;
using RaftKv.Storage.Tests.Support;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

/// <summary>
/// Issue 9, write p99 across a 1 GiB snapshot: a node's own snapshot is written at a bounded byte rate
/// (<see cref="StorageOptions.SnapshotWriteBytesPerSecond"/>), can be abandoned while it waits, and the snapshot it
/// replaces is deleted off the write path, never left behind.
/// </summary>
public sealed class SnapshotPacingTests : IDisposable
{
    private const int PieceBytes = 64 << 10;
    private static readonly SnapshotMetadata At20 = new(20, 1, ClusterConfig.OfVoters(0, 1, 2));
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static RaftStorage WriteLog(string directory, long bytesPerSecond, long entries = 40)
    {
        var storage = RaftStorage.Open(directory, Cluster, Node, new StorageOptions { SegmentBytes = 4096, SnapshotWriteBytesPerSecond = bytesPerSecond });
        storage.Save(Hard(1, 0), [], null);
        for (var i = 1L; i <= entries; i++) storage.Save(null, Entries(i, i, 1), null);
        storage.Save(Hard(1, entries), [], null);
        return storage;
    }

    private static Action<Stream> Pieces(int count) => output =>
    {
        var piece = new byte[PieceBytes];
        for (var i = 0; i < count; i++) output.Write(piece);
    };

    [Fact]
    public void A_snapshot_is_written_no_faster_than_the_configured_rate()
    {
        // 2 MiB at 8 MiB/s: at least a quarter of a second however fast the disk is.
        using var storage = WriteLog(_temp.Sub("node"), bytesPerSecond: 8L << 20);
        var clock = Stopwatch.StartNew();
        var prepared = storage.PrepareSnapshot(At20, Pieces(32));
        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(240), "2 MiB at 8 MiB/s takes 250 ms");
        storage.Compact(prepared)!.Data.Length.Should().Be(32L * PieceBytes);
    }

    [Fact]
    public void A_paced_snapshot_write_that_is_cancelled_is_abandoned_and_leaves_nothing_behind()
    {
        var directory = _temp.Sub("node");
        using var storage = WriteLog(directory, bytesPerSecond: 1L << 20);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        // 4 MiB at 1 MiB/s would take 4 s; the node stops after 100 ms.
        var write = () => storage.PrepareSnapshot(At20, Pieces(64), cancel.Token);

        write.Should().Throw<OperationCanceledException>();
        Directory.GetFiles(SnapDirectory(directory)).Should().BeEmpty("the temporary file of an abandoned snapshot is deleted");
        storage.FirstIndex.Should().Be(1, "the log is untouched");
        storage.LastIndex.Should().Be(40);
    }

    [Fact]
    public void A_replaced_snapshot_leaves_the_snapshot_files_at_once_and_is_gone_from_the_disk_after_dispose()
    {
        var directory = _temp.Sub("node");
        using (var storage = WriteLog(directory, bytesPerSecond: 0))
        {
            foreach (var index in new[] { 10L, 20, 30 })
                storage.Compact(storage.PrepareSnapshot(new SnapshotMetadata(index, 1, ClusterConfig.OfVoters(0, 1, 2)), Pieces(4)));

            SnapshotFiles(directory).Select(Path.GetFileName).Should().Equal(
                SnapshotFile.FileName(1, 20), SnapshotFile.FileName(1, 30));
        }

        Directory.GetFiles(SnapDirectory(directory)).Select(Path.GetFileName).Should().Equal(
            [SnapshotFile.FileName(1, 20), SnapshotFile.FileName(1, 30)], "the replaced one was deleted, not left renamed");
    }

    [Fact]
    public void A_replaced_snapshot_whose_deletion_a_restart_cut_short_is_deleted_on_open()
    {
        var directory = _temp.Sub("node");
        using (var storage = WriteLog(directory, bytesPerSecond: 0))
            storage.Compact(storage.PrepareSnapshot(At20, Pieces(4)));
        var leftover = Path.Combine(SnapDirectory(directory), SnapshotFile.FileName(1, 10) + SnapshotFile.DeletingSuffix);
        File.WriteAllBytes(leftover, new byte[PieceBytes]);

        using var reopened = Open(directory, segmentBytes: 4096);

        File.Exists(leftover).Should().BeFalse();
        reopened.Recovery.Notes.Should().ContainSingle(n => n.Contains(leftover) && n.Contains("did not finish"));
        reopened.Load().Snapshot!.Metadata.Index.Should().Be(20);
    }
}
