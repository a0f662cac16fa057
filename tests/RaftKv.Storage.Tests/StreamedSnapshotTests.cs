using RaftKv.Core;
using RaftKv.Storage.Snapshots;
using RaftKv.Storage.Tests.Support;
using static RaftKv.Storage.Tests.Support.Fixtures;

namespace RaftKv.Storage.Tests;

/// <summary>
/// Issue 9: a snapshot's data is streamed into its file and handed out as a handle on that file
/// (<see cref="FileSnapshotData"/>), never as one array, so its size is bounded by the disk alone; and a reader that
/// opened it keeps it readable after compaction deletes the file (a transfer under way is not cut short).
/// </summary>
public sealed class StreamedSnapshotTests : IDisposable
{
    private const int Pieces = 512;
    private const int PieceBytes = 64 << 10;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static RaftStorage WriteLog(string directory, long entries)
    {
        var storage = Open(directory, segmentBytes: 4096);
        storage.Save(Hard(1, 0), [], null);
        for (var i = 1L; i <= entries; i++) storage.Save(null, Entries(i, i, 1), null);
        storage.Save(Hard(1, entries), [], null);
        return storage;
    }

    private static void WritePieces(Stream output, byte seed)
    {
        var piece = new byte[PieceBytes];
        for (var i = 0; i < Pieces; i++)
        {
            piece.AsSpan().Fill((byte)(seed + i));
            output.Write(piece);
        }
    }

    [Fact]
    public void Compaction_streams_the_data_into_the_snapshot_file_and_hands_out_a_handle_not_the_bytes()
    {
        var directory = _temp.Sub("node");
        using var storage = WriteLog(directory, entries: 20);
        var metadata = new SnapshotMetadata(20, 1, ClusterConfig.OfVoters(0, 1, 2));
        var piece = new byte[PieceBytes];

        var before = GC.GetAllocatedBytesForCurrentThread();
        var stored = storage.Compact(metadata, output =>
        {
            for (var i = 0; i < Pieces; i++) output.Write(piece);
        });
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        stored.Data.Should().BeOfType<FileSnapshotData>();
        stored.Data.Length.Should().Be((long)Pieces * PieceBytes);
        allocated.Should().BeLessThan(4 << 20, $"storing {stored.Data.Length:N0} bytes must not take memory in proportion to them");

        before = GC.GetAllocatedBytesForCurrentThread();
        var loaded = storage.Load().Snapshot!;
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        loaded.Data.Length.Should().Be(stored.Data.Length);
        allocated.Should().BeLessThan(4 << 20, "loading checks the data a buffer at a time and leaves it in the file");
    }

    [Fact]
    public void A_snapshot_opened_for_sending_stays_readable_after_newer_snapshots_delete_its_file()
    {
        var directory = _temp.Sub("node");
        using var storage = WriteLog(directory, entries: 40);
        var config = ClusterConfig.OfVoters(0, 1, 2);
        var first = storage.Compact(new SnapshotMetadata(10, 1, config), output => WritePieces(output, 1));
        var path = ((FileSnapshotData)first.Data).Path;

        using var sending = first.Data.OpenRead();
        var head = new byte[PieceBytes];
        sending.ReadExactly(head);
        storage.Compact(new SnapshotMetadata(20, 1, config), output => WritePieces(output, 2));
        storage.Compact(new SnapshotMetadata(30, 1, config), output => WritePieces(output, 3));

        File.Exists(path).Should().BeFalse("only the two newest snapshots are kept");
        head.Should().OnlyContain(b => b == 1);
        var rest = new byte[PieceBytes];
        for (var i = 1; i < Pieces; i++)
        {
            sending.ReadExactly(rest);
            rest.Should().OnlyContain(b => b == (byte)(1 + i), $"piece {i} of the deleted snapshot is still readable");
        }
        sending.Read(rest).Should().Be(0);
        FluentActions.Invoking(() => first.Data.OpenRead()).Should().Throw<FileNotFoundException>("a new transfer takes the newest snapshot instead");
    }

    [Fact]
    public void A_snapshot_from_the_leader_is_copied_into_this_node_s_snapshot_file_and_the_handle_points_there()
    {
        var directory = _temp.Sub("node");
        var staging = Path.Combine(_temp.Sub("staging"), "from-leader");
        Directory.CreateDirectory(Path.GetDirectoryName(staging)!);
        using (var file = File.Create(staging)) WritePieces(file, 7);
        using var storage = WriteLog(directory, entries: 5);
        var leader = new Snapshot(new SnapshotMetadata(100, 3, ClusterConfig.OfVoters(0, 1, 2)), new StagedFile(staging));

        var stored = storage.Save(Hard(3, 100), [], leader)!;
        File.Delete(staging);

        stored.Metadata.Should().Be(leader.Metadata);
        var data = (FileSnapshotData)stored.Data;
        Path.GetDirectoryName(data.Path).Should().Be(SnapDirectory(Path.GetFullPath(directory)));
        using var read = stored.Data.OpenRead();
        var piece = new byte[PieceBytes];
        for (var i = 0; i < Pieces; i++)
        {
            read.ReadExactly(piece);
            piece.Should().OnlyContain(b => b == (byte)(7 + i));
        }
    }

    [Fact]
    public async Task Appends_go_on_while_a_snapshot_file_is_prepared_on_another_thread_and_the_compaction_finishes_after_them()
    {
        var directory = _temp.Sub("node");
        using var storage = WriteLog(directory, entries: 20);
        using var halfway = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var preparing = Task.Run(() => storage.PrepareSnapshot(new SnapshotMetadata(20, 1, ClusterConfig.OfVoters(0, 1, 2)), output =>
        {
            WritePieces(output, 4);
            halfway.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        }));
        halfway.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue();

        // The snapshot file is still being written: the log takes appends meanwhile.
        for (var i = 21L; i <= 30; i++) storage.Save(null, Entries(i, i, 1), null);
        storage.Save(Hard(1, 30), [], null);
        preparing.IsCompleted.Should().BeFalse();
        release.Set();
        var stored = storage.Compact(await preparing);

        stored!.Metadata.Index.Should().Be(20);
        storage.FirstIndex.Should().Be(21);
        storage.LastIndex.Should().Be(30);
    }

    [Fact]
    public void A_prepared_snapshot_superseded_by_the_leader_s_snapshot_is_dropped_with_its_file()
    {
        var directory = _temp.Sub("node");
        using var storage = WriteLog(directory, entries: 20);
        var prepared = storage.PrepareSnapshot(new SnapshotMetadata(15, 1, ClusterConfig.OfVoters(0, 1, 2)), output => WritePieces(output, 5));
        storage.Save(Hard(2, 100), [], Snapshot(100, 2));

        storage.Compact(prepared).Should().BeNull("the leader's newer snapshot already replaced the log");

        SnapshotFiles(directory).Should().ContainSingle().Which.Should().EndWith("0000000000000002-0000000000000064.snap");
        storage.FirstIndex.Should().Be(101);
    }

    private sealed class StagedFile(string path) : ISnapshotData
    {
        public long Length => new FileInfo(path).Length;
        public Stream OpenRead() => File.OpenRead(path);
    }
}
