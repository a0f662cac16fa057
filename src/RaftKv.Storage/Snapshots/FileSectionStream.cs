namespace RaftKv.Storage.Snapshots;

/// <summary>A read-only, seekable stream over the next <c>length</c> bytes of a file, from where it is positioned; owns the file.</summary>
internal sealed class FileSectionStream(FileStream file, long length) : Stream
{
    private readonly long _start = file.Position;
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _read;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, length);
            _read = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var wanted = (int)Math.Min(buffer.Length, length - _read);
        if (wanted <= 0) return 0;
        var n = RandomAccess.Read(file.SafeFileHandle, buffer[..wanted], _start + _read);
        _read += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var wanted = (int)Math.Min(buffer.Length, length - _read);
        if (wanted <= 0) return 0;
        var n = await RandomAccess.ReadAsync(file.SafeFileHandle, buffer[..wanted], _start + _read, cancellationToken).ConfigureAwait(false);
        _read += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _read + offset,
            _ => length + offset,
        };
        return _read;
    }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) file.Dispose();
        base.Dispose(disposing);
    }
}
