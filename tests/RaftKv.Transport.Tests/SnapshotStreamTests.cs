using System.IO.Hashing;
using System.Net;
using System.Text.Json;
using RaftKv.Core;
using RaftKv.Protocol;
using RaftKv.Transport.Tests.TestSupport;

namespace RaftKv.Transport.Tests;

/// <summary>
/// Streamed InstallSnapshot (docs/PROTOCOL.md "Snapshot streams"): a snapshot larger than a frame travels in chunks on
/// a connection of its own; the receiver stages it in a file and hands it on only whole and with the right checksum.
/// </summary>
public sealed class SnapshotStreamTests : IDisposable
{
    private const int FrameBytes = 64 << 10;
    private readonly string _staging = Path.Combine(Path.GetTempPath(), $"raftkv-stream-test-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_staging)) Directory.Delete(_staging, recursive: true);
    }

    private TransportOptions Small(int nodeId) => TestNode.Options(nodeId) with
    {
        MaxPeerFrameBytes = FrameBytes,
        SnapshotChunkBytes = 16 << 10,
        SnapshotStagingDirectory = _staging,
    };

    [Fact]
    public async Task A_snapshot_sixteen_times_the_frame_limit_arrives_whole_beside_the_other_messages()
    {
        await using var b = TestNode.Start(Small(1));
        await using var fromA = new PeerSender(Small(0), new Dictionary<int, string> { [1] = $"127.0.0.1:{b.EndPoint.Port}" }, new CapturingLogger());
        await Eventually.HoldsAsync(() => fromA.IsConnected(1), "the link is up");
        var data = new byte[16 * FrameBytes];
        new Random(9).NextBytes(data);
        var snapshot = SnapshotMessage(index: 500, data);
        var heartbeat = new Message { Type = MessageType.Heartbeat, From = 0, To = 1, Term = 3, Commit = 7 };

        fromA.Send(snapshot);
        fromA.Send(heartbeat);

        var received = new[] { await b.ReceiveAsync(), await b.ReceiveAsync() };
        received.Should().ContainSingle(m => m.Type == MessageType.Heartbeat).Which.Commit.Should().Be(7);
        var got = received.Should().ContainSingle(m => m.Type == MessageType.Snapshot).Subject;
        got.Snapshot!.Metadata.Should().BeEquivalentTo(snapshot.Snapshot!.Metadata, o => o.ComparingRecordsByMembers());
        got.Snapshot.Data.Should().BeOfType<StagedSnapshotData>("the snapshot is handed on as its staging file, never read into memory");
        SnapshotBytes.ReadAll(got.Snapshot.Data).Should().Equal(data);
        got.Term.Should().Be(snapshot.Term);
        fromA.DroppedMessages.Should().Be(0);
        fromA.SnapshotChunksSent.Should().Be(data.Length / (16 << 10), "the data went in chunks of SnapshotChunkBytes");
        Directory.EnumerateFiles(_staging).Should().ContainSingle("the staging file stays until the node has stored its own copy");
        ((IDisposable)got.Snapshot.Data).Dispose();
        Directory.EnumerateFiles(_staging).Should().BeEmpty("the node lets the staging file go once stored");
    }

    [Fact]
    public async Task A_newer_snapshot_offered_while_one_is_on_its_way_does_not_restart_the_stream()
    {
        await using var b = TestNode.Start(Small(1));
        await using var fromA = new PeerSender(Small(0), new Dictionary<int, string> { [1] = $"127.0.0.1:{b.EndPoint.Port}" }, new CapturingLogger());
        await Eventually.HoldsAsync(() => fromA.IsConnected(1), "the link is up");
        var data = new byte[256 * FrameBytes];
        new Random(5).NextBytes(data);

        // The core repeats InstallSnapshot with its newest snapshot while it waits; here a compaction happened meanwhile.
        fromA.Send(SnapshotMessage(index: 500, data));
        fromA.Send(SnapshotMessage(index: 600, data));

        var got = await b.ReceiveAsync();
        got.Snapshot!.Metadata.Index.Should().Be(500, "the stream under way is finished, not restarted for the newer snapshot");
        SnapshotBytes.ReadAll(got.Snapshot.Data).Should().Equal(data);
    }

    [Fact]
    public async Task A_snapshot_stream_whose_checksum_does_not_match_is_refused_and_leaves_nothing_behind()
    {
        await using var b = TestNode.Start(Small(1));
        var data = new byte[40_000];
        new Random(3).NextBytes(data);
        await using var raw = await OpenStreamAsync(b.EndPoint);
        await raw.SendRawAsync(OfferFrame(SnapshotMessage(10, data), data.Length, Crc64.HashToUInt64(data) ^ 1));
        await raw.SendRawAsync(RawConnection.FrameOf(data));

        (await raw.IsClosedByPeerAsync()).Should().BeTrue("a stream that fails its checksum is closed");
        await Eventually.HoldsAsync(() => b.Log.Warnings.Any(w => w.Contains("checksum mismatch", StringComparison.Ordinal)), "the refusal is logged");
        b.Inbound.Reader.TryRead(out _).Should().BeFalse("nothing of a corrupt snapshot reaches the node");
        Directory.EnumerateFiles(_staging).Should().BeEmpty();
    }

    [Fact]
    public async Task A_snapshot_stream_cut_off_midway_delivers_nothing_and_the_next_stream_starts_afresh()
    {
        await using var b = TestNode.Start(Small(1));
        var data = new byte[50_000];
        new Random(4).NextBytes(data);
        await using (var cut = await OpenStreamAsync(b.EndPoint))
        {
            await cut.SendRawAsync(OfferFrame(SnapshotMessage(10, data), data.Length, Crc64.HashToUInt64(data)));
            await cut.SendRawAsync(RawConnection.FrameOf(data[..20_000]));
        }
        await Eventually.HoldsAsync(() => !Directory.Exists(_staging) || !Directory.EnumerateFiles(_staging).Any(), "the partial file is gone");

        await using var whole = await OpenStreamAsync(b.EndPoint);
        await whole.SendRawAsync(OfferFrame(SnapshotMessage(11, data), data.Length, Crc64.HashToUInt64(data)));
        await whole.SendRawAsync(RawConnection.FrameOf(data[..30_000]));
        await whole.SendRawAsync(RawConnection.FrameOf(data[30_000..]));

        var got = await b.ReceiveAsync();
        got.Snapshot!.Metadata.Index.Should().Be(11, "the stream that was cut off delivers nothing");
        SnapshotBytes.ReadAll(got.Snapshot.Data).Should().Equal(data);
    }

    [Fact]
    public async Task A_snapshot_stream_with_more_bytes_than_offered_is_refused()
    {
        await using var b = TestNode.Start(Small(1));
        var data = new byte[1_000];
        await using var raw = await OpenStreamAsync(b.EndPoint);
        await raw.SendRawAsync(OfferFrame(SnapshotMessage(10, data), 500, Crc64.HashToUInt64(data.AsSpan(0, 500))));
        await raw.SendRawAsync(RawConnection.FrameOf(data));

        (await raw.IsClosedByPeerAsync()).Should().BeTrue();
        b.Inbound.Reader.TryRead(out _).Should().BeFalse();
    }

    private static Message SnapshotMessage(long index, byte[] data) => new()
    {
        Type = MessageType.Snapshot,
        From = 0,
        To = 1,
        Term = 5,
        Snapshot = new Snapshot(new SnapshotMetadata(index, 4, new ClusterConfig([0, 1, 2], [])), new SnapshotBytes(data)),
    };

    private static async Task<RawConnection> OpenStreamAsync(IPEndPoint endPoint)
    {
        var raw = await RawConnection.ConnectAsync(endPoint);
        await raw.SendJsonAsync(RawConnection.HelloJson(Hello.SnapshotRole, TestNode.ClusterId, 0));
        return raw;
    }

    private static byte[] OfferFrame(Message message, long length, ulong checksum) =>
        RawConnection.FrameOf(JsonSerializer.SerializeToUtf8Bytes(
            new SnapshotOffer(message, length, checksum), PeerJsonContext.Default.SnapshotOffer));
}
