namespace RaftKv.StateMachine.Tests;

/// <summary>
/// Issue 9: no whole snapshot in memory. Writing a snapshot streams it through one 64 KiB buffer, and restoring reads it
/// through a buffer of one field, so the memory either takes beyond the state itself is bounded by the buffer, not by the
/// size of the snapshot (which is what lets a state past 2 GiB, more than one array can hold, be snapshotted at all).
/// </summary>
public sealed class SnapshotStreamingTests
{
    private const int Values = 48;
    private const int ValueChars = 512 << 10;

    [Fact]
    public void Writing_a_snapshot_streams_it_through_a_bounded_buffer_whatever_the_size_of_the_state()
    {
        var machine = Filled();
        var view = machine.Capture();
        var sink = new CountingStream();

        var before = GC.GetAllocatedBytesForCurrentThread();
        view.WriteTo(sink);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        sink.Length.Should().BeGreaterThan((long)Values * ValueChars, "every value is in the snapshot");
        sink.Writes.Should().BeGreaterThan(Values, "the snapshot leaves in pieces, not as one array");
        allocated.Should().BeLessThan(1 << 20, $"writing {sink.Length:N0} bytes must not allocate in proportion to them (a 64 KiB buffer is the budget)");
    }

    [Fact]
    public void Restoring_from_a_stream_allocates_the_state_but_never_a_copy_of_the_whole_snapshot()
    {
        var machine = Filled();
        var bytes = machine.TakeSnapshot();
        var restored = new KvStateMachine();
        using var stream = new MemoryStream(bytes, writable: false);

        var before = GC.GetAllocatedBytesForCurrentThread();
        restored.Restore(stream, bytes.Length);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        restored.TakeSnapshot().Should().Equal(bytes);
        // The values themselves (about the snapshot's size) must be allocated: they are the state. A second copy of the
        // snapshot (reading it whole first, as before issue 9) would double that.
        allocated.Should().BeLessThan(bytes.Length + (4L << 20), "restoring builds the state, and reads the snapshot through a bounded buffer");
    }

    [Fact]
    public void A_snapshot_whose_stream_ends_early_is_refused_and_changes_nothing()
    {
        var machine = Filled();
        var bytes = machine.TakeSnapshot();
        var restored = new KvStateMachine();
        restored.Apply(1, Commands.Set("kept", "1"));

        var act = () => restored.Restore(new MemoryStream(bytes, 0, bytes.Length / 2, writable: false), bytes.Length);

        act.Should().Throw<FormatException>();
        restored.AppliedIndex.Should().Be(1);
        restored.TryGet("kept", out _).Should().BeTrue();
    }

    [Fact]
    public void A_flipped_byte_in_a_large_value_is_reported_as_a_checksum_mismatch()
    {
        var bytes = Filled().TakeSnapshot();
        bytes[bytes.Length / 2] ^= 0x01;

        var act = () => new KvStateMachine().Restore(new MemoryStream(bytes, writable: false), bytes.Length);

        act.Should().Throw<FormatException>().WithMessage("*checksum*");
    }

    private static KvStateMachine Filled()
    {
        var machine = new KvStateMachine();
        for (var i = 0; i < Values; i++)
            machine.Apply(i + 1, Commands.Set($"big-{i:000}", "\"" + new string((char)('a' + (i % 26)), ValueChars) + "\""));
        return machine;
    }

    /// <summary>A stream that keeps nothing: counts the bytes and the writes it was given.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public int Writes { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _length += buffer.Length;
            Writes++;
        }
    }
}
