using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace RaftKv.StateMachine;

/// <summary>
/// Writes a <see cref="KvSnapshotView"/> in the <see cref="SnapshotLayout"/> format to a stream, through one buffer of
/// <see cref="BufferBytes"/>: memory stays bounded by the buffer whatever the size of the state (issue 9: no whole
/// snapshot in memory, no 2 GiB limit). Values larger than the buffer go to the stream directly.
/// </summary>
internal sealed class SnapshotWriter
{
    public const int BufferBytes = 64 * 1024;

    private readonly Stream _output;
    private readonly XxHash3 _hash = new();
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _used;

    private SnapshotWriter(Stream output) => _output = output;

    /// <summary>Writes the whole snapshot of <paramref name="view"/> to <paramref name="output"/> and flushes it.</summary>
    public static void Write(KvSnapshotView view, Stream output)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(output);
        new SnapshotWriter(output).WriteAll(view);
    }

    private void WriteAll(KvSnapshotView view)
    {
        Put(SnapshotLayout.Magic);
        PutUInt32(SnapshotLayout.Version);
        PutInt64(view.AppliedIndex);

        PutInt32(view.Entries.Length);
        foreach (var (key, record) in view.Entries)
        {
            PutString(key);
            PutBytes(record.Value);
            PutInt64(record.CreateRevision);
            PutInt64(record.ModRevision);
            PutInt64(record.Version);
            PutInt64(record.Lease);
        }

        PutInt32(view.Leases.Length);
        foreach (var lease in view.Leases)
        {
            PutInt64(lease.Id);
            PutInt64(lease.TtlSeconds);
        }

        PutInt32(view.Sessions.Length);
        foreach (var s in view.Sessions)
        {
            PutInt64(s.Id);
            PutInt64(s.Seq);
            PutInt64(s.LastIndex);
            Put([(byte)((s.Found ? SnapshotLayout.FoundFlag : 0) | (s.Value is null ? 0 : SnapshotLayout.HasValueFlag))]);
            if (s.Value is not null) PutBytes(s.Value);
        }

        FlushBuffer();
        Span<byte> checksum = stackalloc byte[SnapshotLayout.ChecksumBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(checksum, _hash.GetCurrentHashAsUInt64());
        _output.Write(checksum);
        _output.Flush();
    }

    private void PutInt32(int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        Put(bytes);
    }

    private void PutUInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        Put(bytes);
    }

    private void PutInt64(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        Put(bytes);
    }

    private void PutString(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        PutInt32(length);
        if (length > BufferBytes)
        {
            Put(Encoding.UTF8.GetBytes(text));
            return;
        }
        if (BufferBytes - _used < length) FlushBuffer();
        Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_used));
        _hash.Append(_buffer.AsSpan(_used, length));
        _used += length;
    }

    private void PutBytes(byte[] bytes)
    {
        PutInt32(bytes.Length);
        Put(bytes);
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        _hash.Append(bytes);
        if (bytes.Length <= BufferBytes - _used)
        {
            bytes.CopyTo(_buffer.AsSpan(_used));
            _used += bytes.Length;
            return;
        }
        FlushBuffer();
        if (bytes.Length <= BufferBytes)
        {
            bytes.CopyTo(_buffer);
            _used = bytes.Length;
        }
        else
        {
            _output.Write(bytes);
        }
    }

    private void FlushBuffer()
    {
        if (_used == 0) return;
        _output.Write(_buffer, 0, _used);
        _used = 0;
    }
}
