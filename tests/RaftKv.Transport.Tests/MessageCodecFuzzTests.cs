using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using RaftKv.Core;
using RaftKv.Protocol;
using RaftKv.Transport.Tests.TestSupport;
using Xunit.Abstractions;

namespace RaftKv.Transport.Tests;

/// <summary>
/// Feeds the frame decoder and the message parser random bytes and mutations of valid frames. The only acceptable
/// outcomes are a message, <see cref="ProtocolException"/>, <see cref="FrameTooLargeException"/> or "need more
/// bytes"; and no input may make them allocate in proportion to what a length prefix claims. Every input is derived
/// from (seed, index), so a failure names both and <see cref="Fuzz"/> replays that one input. The seed is fixed;
/// set RAFTKV_FUZZ_SEED to explore others.
/// </summary>
public sealed class MessageCodecFuzzTests(ITestOutputHelper output)
{
    private static readonly int Seed =
        int.TryParse(Environment.GetEnvironmentVariable("RAFTKV_FUZZ_SEED"), out var seed) ? seed : 20_240_611;
    private const int Inputs = 100_000;
    private const int MaxFrameBytes = 64 * 1024;

    /// <summary>Far below any lie a length prefix can tell (up to 4 GiB), far above what a 2 KiB input needs.</summary>
    private const long AllocationBudgetBytes = 4 << 20;

    private static readonly string[] JsonTokens =
    [
        "-1", "-0", "0", "0.5", "1e400", "99999999999999999999", "-9223372036854775808", "null", "true", "\"\"", "\"AAAA\"",
        "\"%%\"", "\"\\u0000\"", "\"\\ud800\"", "{", "}", "[", "]", ",", ":", "\"append\"", "\"snapshot\"", "\"noOp\"",
        "\"entries\"", "\"snapshot\":{}", "\"metadata\"", "\"voters\":[1,-1]", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ];

    [Fact]
    public async Task Frame_and_message_decoding_survive_100000_random_and_mutated_inputs()
    {
        // Off the test thread with a deadline: a decoder that loops forever fails the test instead of hanging the run.
        // Inputs depend only on (seed, index), so splitting the range over threads changes nothing but the time.
        const int parts = 4;
        var runs = Enumerable.Range(0, parts).Select(p => Task.Run(() => Fuzz(Seed, p * (Inputs / parts), Inputs / parts)));
        var stats = (await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60))).Aggregate(Stats.Sum);

        output.WriteLine($"seed {Seed}: {stats}");
        stats.Inputs.Should().Be(Inputs);
        stats.Messages.Should().BeGreaterThan(Inputs / 20, "valid and harmlessly mutated frames decode");
        stats.Refused.Should().BeGreaterThan(Inputs / 10, "most mutations are refused by the parser");
        stats.TooLarge.Should().BeGreaterThan(Inputs / 100, "length-prefix lies are caught by the frame decoder");
        stats.Incomplete.Should().BeGreaterThan(Inputs / 100, "truncated frames wait for more bytes");
    }

    internal sealed record Stats(int Inputs, int Messages, int Refused, int TooLarge, int Incomplete, long MaxAllocatedBytes)
    {
        public static Stats Sum(Stats a, Stats b) => new(a.Inputs + b.Inputs, a.Messages + b.Messages, a.Refused + b.Refused,
            a.TooLarge + b.TooLarge, a.Incomplete + b.Incomplete, Math.Max(a.MaxAllocatedBytes, b.MaxAllocatedBytes));
    }

    /// <summary>Runs inputs [first, first+count) of <paramref name="seed"/>; throws, naming seed and input, on any failure.</summary>
    internal static Stats Fuzz(int seed, int first, int count)
    {
        int messages = 0, refused = 0, tooLarge = 0, incomplete = 0;
        long maxAllocated = 0;
        var corpus = BuildCorpus(new Random(seed));
        for (var i = first; i < first + count; i++)
        {
            var random = new Random(unchecked(seed * 1_000_003 + i));
            var input = NextInput(random, corpus);
            var cuts = random.Next(3) == 0 ? [] : Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(input.Length + 1)).ToArray();
            var buffer = SegmentedSequence.Split(input, cuts);
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                while (Frame.TryRead(ref buffer, MaxFrameBytes, out var payload))
                {
                    try
                    {
                        CheckCanonical(MessageCodec.Read(payload));
                        messages++;
                    }
                    catch (ProtocolException)
                    {
                        refused++;
                    }
                }
                if (!buffer.IsEmpty) incomplete++;
            }
            catch (FrameTooLargeException)
            {
                tooLarge++;
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"fuzz seed {seed} input {i}: {ex}\ninput: {Describe(input)}", ex);
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > AllocationBudgetBytes)
                throw new InvalidOperationException($"fuzz seed {seed} input {i}: decoding {input.Length} bytes allocated {allocated} bytes\ninput: {Describe(input)}");
            maxAllocated = Math.Max(maxAllocated, allocated);
        }
        return new Stats(count, messages, refused, tooLarge, incomplete, maxAllocated);
    }

    /// <summary>Whatever decodes must encode and decode again to the same bytes: nothing is lost or invented on the way.</summary>
    private static void CheckCanonical(Message message)
    {
        var once = RawConnection.FrameOf(message);
        var buffer = new ReadOnlySequence<byte>(once);
        Frame.TryRead(ref buffer, int.MaxValue, out var payload);
        var twice = RawConnection.FrameOf(MessageCodec.Read(payload));
        if (!once.AsSpan().SequenceEqual(twice)) throw new InvalidOperationException("a decoded message does not re-encode to the same frame");
    }

    private static byte[][] BuildCorpus(Random random) =>
        [.. Enumerable.Range(0, 200).Select(_ => RawConnection.FrameOf(RandomMessage(random)))];

    private static Message RandomMessage(Random random)
    {
        var types = Enum.GetValues<MessageType>();
        var type = types[random.Next(types.Length)];
        var index = random.Next(0, 1000);
        var term = random.Next(0, 50);
        return new Message
        {
            Type = type,
            From = random.Next(5),
            To = random.Next(5),
            Term = term,
            LogTerm = random.Next(0, term + 1),
            Index = index,
            Commit = random.Next(0, 1000),
            Reject = random.Next(4) == 0,
            RejectHint = random.Next(4) == 0 ? random.Next(1000) : 0,
            Context = random.Next(3) == 0 ? random.Next(1_000_000) : 0,
            LeaderTransfer = random.Next(8) == 0,
            Entries = type == MessageType.Append
                ? [.. Enumerable.Range(0, random.Next(0, 5)).Select(k => new Entry(index + 1 + k, term, (EntryType)random.Next(3), RandomBytes(random, 40)))]
                : [],
            Snapshot = type == MessageType.Snapshot
                ? new Snapshot(new SnapshotMetadata(index, term, new ClusterConfig([0, 1, 2], random.Next(2) == 0 ? [] : [3])), new SnapshotBytes(RandomBytes(random, 200)))
                : null,
        };
    }

    private static byte[] NextInput(Random random, byte[][] corpus)
    {
        var frame = corpus[random.Next(corpus.Length)];
        return random.Next(9) switch
        {
            0 => RandomBytes(random, 300),
            1 => frame,
            2 => FlipBits(random, frame),
            3 => frame[..random.Next(frame.Length)],
            4 => Splice(random, frame, corpus[random.Next(corpus.Length)]),
            5 => LieAboutLength(random, frame),
            6 => ReplaceJsonToken(random, frame),
            7 => [.. frame, .. NextInput(random, corpus), .. corpus[random.Next(corpus.Length)]],
            _ => InsertOrDelete(random, frame),
        };
    }

    private static byte[] Splice(Random random, byte[] head, byte[] tail) =>
        [.. head[..random.Next(head.Length + 1)], .. tail[random.Next(tail.Length + 1)..]];

    private static byte[] RandomBytes(Random random, int maxLength)
    {
        var bytes = new byte[random.Next(maxLength + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] FlipBits(Random random, byte[] frame)
    {
        var copy = (byte[])frame.Clone();
        for (var n = random.Next(1, 9); n > 0; n--) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    private static byte[] LieAboutLength(Random random, byte[] frame)
    {
        var copy = (byte[])frame.Clone();
        var actual = copy.Length - Frame.HeaderBytes;
        var lie = random.Next(6) switch
        {
            0 => int.MaxValue,
            1 => -1, // 0xFFFFFFFF
            2 => MaxFrameBytes + 1,
            3 => Math.Max(0, actual - random.Next(1, 20)),
            4 => actual + random.Next(1, 20),
            _ => random.Next(),
        };
        BinaryPrimitives.WriteInt32BigEndian(copy, lie);
        return copy;
    }

    private static byte[] ReplaceJsonToken(Random random, byte[] frame)
    {
        var json = Encoding.UTF8.GetString(frame, Frame.HeaderBytes, frame.Length - Frame.HeaderBytes);
        var start = random.Next(json.Length);
        var length = random.Next(0, Math.Min(12, json.Length - start) + 1);
        var mutated = json[..start] + JsonTokens[random.Next(JsonTokens.Length)] + json[(start + length)..];
        return RawConnection.FrameOf(mutated);
    }

    private static byte[] InsertOrDelete(Random random, byte[] frame)
    {
        var list = frame.ToList();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var at = random.Next(list.Count + 1);
            if (random.Next(2) == 0 || at == list.Count) list.Insert(at, (byte)random.Next(256));
            else list.RemoveAt(at);
        }
        return [.. list];
    }

    private static string Describe(byte[] input) =>
        input.Length <= 512 ? Convert.ToHexString(input) : Convert.ToHexString(input, 0, 512) + $"... ({input.Length} bytes)";
}
