using Microsoft.Win32.SafeHandles;
using RaftKv.Storage.IO;

namespace RaftKv.Storage.Snapshots;

/// <summary>
/// The data section of a snapshot file being written: bytes go to the file from <c>start</c> on, and their count and
/// CRC-32C are kept for the header, which is written last. Write-only, forward-only; does not own the handle.
/// With <c>path</c> set, the data is flushed to disk every <see cref="FlushEveryBytes"/> on the way: the final fsync of
/// a large snapshot then has little left to write, instead of one burst of a gigabyte that the log's own fdatasyncs
/// would queue behind (issue 9's 1 GiB run). With a <c>pacer</c>, writes keep to its byte rate.
/// </summary>
internal sealed class ChecksummingWriteStream(SafeFileHandle handle, long start, string? path, WritePacer? pacer = null) : Stream
{
    public const long FlushEveryBytes = 128L << 10;

    private long _unflushed;

    public long Written { get; private set; }
    public uint Crc { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        RandomAccess.Write(handle, buffer, start + Written);
        Crc = Crc32C.Append(Crc, buffer);
        Written += buffer.Length;
        _unflushed += buffer.Length;
        if (path is not null && _unflushed >= FlushEveryBytes)
        {
            Durability.FlushFile(handle, path);
            _unflushed = 0;
        }
        pacer?.Wrote(Written);
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
