using Microsoft.Win32.SafeHandles;
using RaftKv.Storage.IO;

namespace RaftKv.Storage.Snapshots;

/// <summary>
/// The data section of a snapshot file being written: bytes go to the file from <c>start</c> on, and their count and
/// CRC-32C are kept for the header, which is written last. Write-only, forward-only; does not own the handle.
/// </summary>
internal sealed class ChecksummingWriteStream(SafeFileHandle handle, long start) : Stream
{
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
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
