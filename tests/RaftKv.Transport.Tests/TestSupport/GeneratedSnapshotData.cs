using RaftKv.Core;

namespace RaftKv.Transport.Tests.TestSupport;

/// <summary>
/// Snapshot contents of any length made up on the fly (a pseudo-random sequence from a seed), never held anywhere: the
/// way to send more than one array can hold without needing that much memory or disk on the sending side.
/// </summary>
public sealed class GeneratedSnapshotData(long length, ulong seed) : ISnapshotData
{
    public long Length => length;

    public Stream OpenRead() => new Generator(length, seed);

    private sealed class Generator(long length, ulong seed) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            for (var i = 0; i < n; i++) buffer[i] = ByteAt(_position + i);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        /// <summary>A byte that depends on its offset only (SplitMix64 of the 8-byte word it falls in).</summary>
        private byte ByteAt(long offset)
        {
            var z = seed + (ulong)(offset >> 3) * 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (byte)(z >> (int)((offset & 7) * 8));
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
