using RaftKv.Core;

namespace RaftKv.Transport.Tests.TestSupport;

/// <summary>
/// Snapshot contents that hold the sender mid-transfer: the first pass over the data (the streamer's checksum) reads
/// freely; after the stream is rewound for sending, reads stop after <c>gateAfter</c> bytes until <see cref="Open"/>.
/// Wraps real contents (<paramref name="inner"/>), whose stream is opened once, as the streamer opens it.
/// </summary>
public sealed class GatedSnapshotData(ISnapshotData inner, long gateAfter) : ISnapshotData
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _gateAfter = gateAfter;
    private long _sentBeforeGate;

    public long Length => inner.Length;

    /// <summary>Bytes the send pass has read so far (up to the gate while it is closed).</summary>
    public long SendPassBytes => Interlocked.Read(ref _sentBeforeGate);

    public void Open() => _open.TrySetResult();

    public Stream OpenRead() => new Gate(inner.OpenRead(), this);

    private sealed class Gate(Stream inner, GatedSnapshotData owner) : Stream
    {
        private bool _sending;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set
            {
                _sending = true; // the streamer rewinds once, after the checksum pass
                inner.Position = value;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_sending && inner.Position + buffer.Length > owner._gateAfter) await owner._open.Task.WaitAsync(cancellationToken);
            var n = await inner.ReadAsync(buffer, cancellationToken);
            if (_sending) Interlocked.Add(ref owner._sentBeforeGate, n);
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
