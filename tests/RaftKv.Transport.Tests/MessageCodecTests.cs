using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using RaftKv.Core;
using RaftKv.Protocol;
using RaftKv.Transport.Tests.TestSupport;

namespace RaftKv.Transport.Tests;

public sealed class MessageCodecTests
{
    /// <summary>Every type a peer frame carries: a snapshot travels on a snapshot stream instead (SnapshotStreamTests).</summary>
    public static TheoryData<MessageType> AllMessageTypes() => [.. Enum.GetValues<MessageType>().Where(t => t != MessageType.Snapshot)];

    [Theory]
    [MemberData(nameof(AllMessageTypes))]
    public void Every_message_type_round_trips_with_all_its_fields(MessageType type)
    {
        var message = FullMessage(type);

        var decoded = RoundTrip(message);

        decoded.Should().BeEquivalentTo(message, o => o.ComparingRecordsByMembers());
    }

    [Fact]
    public void Entries_with_binary_data_round_trip_byte_for_byte()
    {
        var everyByte = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        var message = new Message
        {
            Type = MessageType.Append, From = 0, To = 1, Term = 7, Index = 10, LogTerm = 6, Commit = 9,
            Entries =
            [
                new Entry(11, 7, EntryType.Command, everyByte),
                new Entry(12, 7, EntryType.NoOp, []),
                new Entry(13, 7, EntryType.ConfigChange, new ConfigChange(ConfigChangeType.AddLearner, 4).Encode()),
                new Entry(14, 7, EntryType.Command, Encoding.UTF8.GetBytes("""{"op":"set","key":"k\u00e9","value":[1,"\u0000"]}""")),
            ],
        };

        var decoded = RoundTrip(message);

        decoded.Entries.Should().HaveCount(4);
        decoded.Entries[0].Data.Should().Equal(everyByte);
        decoded.Entries[1].Data.Should().BeEmpty();
        ConfigChange.Decode(decoded.Entries[2].Data).Should().Be(new ConfigChange(ConfigChangeType.AddLearner, 4));
        decoded.Entries[3].Data.Should().Equal(message.Entries[3].Data);
        decoded.Entries.Select(e => (e.Index, e.Term, e.Type)).Should().Equal(message.Entries.Select(e => (e.Index, e.Term, e.Type)));
    }

    [Fact]
    public void A_snapshot_message_carries_its_metadata_but_never_its_data_in_a_peer_frame()
    {
        var data = new byte[100_000];
        new Random(42).NextBytes(data);
        var message = new Message
        {
            Type = MessageType.Snapshot, From = 2, To = 0, Term = 5,
            Snapshot = new Snapshot(new SnapshotMetadata(1_000, 4, new ClusterConfig([0, 1, 2], [5])), new SnapshotBytes(data)),
        };
        var output = new ArrayBufferWriter<byte>();

        MessageCodec.Write(output, message);

        output.WrittenCount.Should().BeLessThan(1_000, "the data travels on a snapshot stream, in chunks");
        var payload = new ReadOnlySequence<byte>(output.WrittenMemory[Frame.HeaderBytes..]);
        var offer = JsonPayload.Read(payload, PeerJsonContext.Default.Message, "peer message");
        offer.Snapshot!.Metadata.Should().Be(message.Snapshot.Metadata);
        offer.Snapshot.Data.Length.Should().Be(0);
        FluentActions.Invoking(() => MessageCodec.Read(payload)).Should().Throw<ProtocolException>()
            .WithMessage("*snapshot stream*", "a snapshot in a peer frame would have no data: it is refused");
    }

    [Fact]
    public void A_message_split_across_many_segments_reads_the_same_as_one_piece()
    {
        var frame = RawConnection.FrameOf(FullMessage(MessageType.Append));
        var whole = new ReadOnlySequence<byte>(frame);
        var pieces = SegmentedSequence.Split(frame, 1, 3, 4, 5, 17, 40, 41, frame.Length / 2, frame.Length - 1);

        Frame.TryRead(ref whole, 1 << 20, out var wholePayload).Should().BeTrue();
        Frame.TryRead(ref pieces, 1 << 20, out var piecesPayload).Should().BeTrue();

        piecesPayload.IsSingleSegment.Should().BeFalse();
        MessageCodec.Read(piecesPayload).Should().BeEquivalentTo(MessageCodec.Read(wholePayload), o => o.ComparingRecordsByMembers());
    }

    [Fact]
    public void Write_produces_one_frame_with_a_big_endian_length_and_camel_case_json()
    {
        var output = new ArrayBufferWriter<byte>();
        var message = new Message
        {
            Type = MessageType.AppendResponse, From = 1, To = 0, Term = 3, Index = 4,
            Snapshot = new Snapshot(new SnapshotMetadata(2, 1, ClusterConfig.OfVoters(0, 1)), new SnapshotBytes([1])),
            Entries = [new Entry(5, 3, EntryType.NoOp, [])],
        };

        MessageCodec.Write(output, message);

        var frame = output.WrittenSpan;
        BinaryPrimitives.ReadInt32BigEndian(frame).Should().Be(frame.Length - Frame.HeaderBytes);
        var json = Encoding.UTF8.GetString(frame[Frame.HeaderBytes..]);
        json.Should().StartWith("""{"type":"appendResponse","from":1,"to":0,"term":3,""");
        json.Should().Contain("\"type\":\"noOp\"").And.Contain("\"config\":{\"voters\":[0,1],\"learners\":[]}");
        json.Should().NotContain("size", "derived properties stay off the wire").And.NotContain("members");
    }

    [Fact]
    public void A_message_without_entries_field_reads_as_no_entries()
    {
        var message = Read("""{"type":"heartbeat","from":1,"to":2,"term":3,"commit":4}""");

        message.Entries.Should().BeEmpty();
        message.Should().BeEquivalentTo(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 3, Commit = 4 },
            o => o.ComparingRecordsByMembers());
    }

    [Theory]
    [InlineData("", "peer message")]
    [InlineData("{", "peer message")]
    [InlineData("not json", "peer message")]
    [InlineData("null", "null")]
    [InlineData("[]", "peer message")]
    [InlineData("""{"type":"heartbeat"} {}""", "peer message")]
    [InlineData("""{"from":1,"to":2}""", "missing type")]
    [InlineData("""{"type":"launchMissiles","from":1,"to":2}""", "peer message")]
    [InlineData("""{"type":5,"from":1,"to":2}""", "peer message")]
    [InlineData("""{"type":"heartbeat","from":1,"to":2,"term":-1}""", "term is -1")]
    [InlineData("""{"type":"heartbeat","from":-1,"to":2}""", "from is -1")]
    [InlineData("""{"type":"vote","from":1,"to":2,"index":-5}""", "index is -5")]
    [InlineData("""{"type":"heartbeat","from":1,"to":2,"commit":-2}""", "commit is -2")]
    [InlineData("""{"type":"heartbeat","from":1,"to":2,"term":99999999999999999999}""", "peer message")]
    [InlineData("""{"type":"append","from":1,"to":2,"entries":null}""", "peer message")]
    [InlineData("""{"type":"append","from":1,"to":2,"index":0,"entries":[{"index":1,"term":1,"type":"command"}]}""", "no data")]
    [InlineData("""{"type":"append","from":1,"to":2,"index":0,"entries":[{"index":1,"term":1,"type":"command","data":null}]}""", "peer message")]
    [InlineData("""{"type":"append","from":1,"to":2,"index":0,"entries":[{"index":1,"term":1,"type":"command","data":"%%%"}]}""", "peer message")]
    [InlineData("""{"type":"append","from":1,"to":2,"index":0,"entries":[{"index":1,"term":1,"type":"bogus","data":""}]}""", "peer message")]
    [InlineData("""{"type":"append","from":1,"to":2,"index":4,"entries":[{"index":7,"term":1,"type":"noOp","data":""}]}""", "expected 5")]
    [InlineData("""{"type":"append","from":1,"to":2,"index":0,"entries":[{"index":1,"term":1,"type":"noOp","data":""},{"index":3,"term":1,"type":"noOp","data":""}]}""", "expected 2")]
    [InlineData("""{"type":"append","from":1,"to":2,"index":-1,"entries":[{"index":0,"term":1,"type":"noOp","data":""}]}""", "index")]
    [InlineData("""{"type":"snapshot","from":1,"to":2}""", "without a snapshot")]
    [InlineData("""{"type":"snapshot","from":1,"to":2,"snapshot":{"data":""}}""", "peer message")]
    [InlineData("""{"type":"snapshot","from":1,"to":2,"snapshot":{"metadata":{"index":1,"term":1,"config":{"voters":null,"learners":[]}},"data":""}}""", "peer message")]
    [InlineData("""{"type":"snapshot","from":1,"to":2,"snapshot":{"metadata":{"index":1,"term":1,"config":{"voters":[0]}},"data":""}}""", "without learners")]
    [InlineData("""{"type":"snapshot","from":1,"to":2,"snapshot":{"metadata":{"index":-1,"term":1,"config":{"voters":[0],"learners":[]}},"data":""}}""", "snapshot index is -1")]
    [InlineData("""{"type":"snapshot","from":1,"to":2,"snapshot":{"metadata":{"index":1,"term":1,"config":{"voters":[-3],"learners":[]}},"data":""}}""", "snapshot voter is -3")]
    [InlineData("""{"type":"snapshot","from":1,"to":2,"snapshot":{"metadata":{"index":1,"term":1,"config":{"voters":["x"],"learners":[]}},"data":""}}""", "peer message")]
    public void Read_refuses_an_invalid_message_with_a_protocol_exception(string json, string reason)
    {
        var act = () => Read(json);

        act.Should().Throw<ProtocolException>().Which.Message.Should().Contain(reason);
    }

    [Fact]
    public void Read_refuses_invalid_utf8_in_a_value_with_a_protocol_exception()
    {
        var payload = Encoding.UTF8.GetBytes("""{"type":"heartbeat??","from":1,"to":2}""");
        var at = Array.IndexOf(payload, (byte)'?');
        payload[at] = 0xC3;
        payload[at + 1] = 0x28;

        var act = () => MessageCodec.Read(new ReadOnlySequence<byte>(payload));

        act.Should().Throw<ProtocolException>();
    }

    internal static Message FullMessage(MessageType type) => new()
    {
        Type = type,
        From = 1,
        To = 2,
        Term = 42,
        LogTerm = 41,
        Index = 100,
        Entries = type == MessageType.Append
            ? [new Entry(101, 41, EntryType.Command, [1, 2, 3]), new Entry(102, 42, EntryType.NoOp, [])]
            : [],
        Commit = 99,
        Reject = type == MessageType.AppendResponse,
        RejectHint = type == MessageType.AppendResponse ? 50 : 0,
        Context = 7,
        LeaderTransfer = type == MessageType.Vote,
        Snapshot = type == MessageType.Snapshot
            ? new Snapshot(new SnapshotMetadata(100, 41, new ClusterConfig([0, 1, 2], [3])), new SnapshotBytes([9, 8, 7]))
            : null,
    };

    private static Message RoundTrip(Message message)
    {
        var output = new ArrayBufferWriter<byte>();
        MessageCodec.Write(output, message);
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Frame.TryRead(ref buffer, int.MaxValue, out var payload).Should().BeTrue();
        buffer.IsEmpty.Should().BeTrue("Write produces exactly one frame");
        return MessageCodec.Read(payload);
    }

    private static Message Read(string json) => MessageCodec.Read(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));
}
