using System.Buffers;
using BenchmarkDotNet.Attributes;
using RaftKv.Core;
using RaftKv.Protocol;
using RaftKv.Transport;

namespace RaftKv.Benchmarks;

/// <summary>
/// The peer wire path of replication: an AppendEntries of 64 entries of about 256-byte values, framed and
/// serialized (<see cref="MessageCodec.Write"/>), and a received frame cut off the stream and parsed and
/// validated (<see cref="Frame.TryRead"/> + <see cref="MessageCodec.Read"/>).
/// </summary>
[MemoryDiagnoser]
public class MessageCodecBenchmarks
{
    private Message _append = null!;
    private ArrayBufferWriter<byte> _output = null!;
    private ReadOnlySequence<byte> _frame;

    [Params(64)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _append = new Message
        {
            Type = MessageType.Append,
            From = 0,
            To = 1,
            Term = 3,
            LogTerm = 3,
            Index = 1000,
            Commit = 998,
            Entries = SampleData.Entries(1001, 3, Entries),
        };
        _output = new ArrayBufferWriter<byte>(1 << 16);
        MessageCodec.Write(_output, _append);
        _frame = new ReadOnlySequence<byte>(_output.WrittenMemory.ToArray());
    }

    [Benchmark]
    public int EncodeAppend()
    {
        _output.ResetWrittenCount();
        MessageCodec.Write(_output, _append);
        return _output.WrittenCount;
    }

    [Benchmark]
    public Message DecodeAppend()
    {
        var buffer = _frame;
        if (!Frame.TryRead(ref buffer, ProtocolLimits.DefaultMaxPeerFrameBytes, out var payload)) throw new InvalidOperationException("the sample frame is incomplete");
        return MessageCodec.Read(payload);
    }
}
