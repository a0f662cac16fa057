using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace RaftKv.StateMachine;

/// <summary>Writes a <see cref="KvSnapshotView"/> in the <see cref="SnapshotLayout"/> format, into one exactly sized array.</summary>
internal static class SnapshotWriter
{
    public static byte[] Write(KvSnapshotView view)
    {
        var appliedIndex = view.AppliedIndex;
        var entries = view.Entries;
        var leases = view.Leases;
        var sessionList = view.Sessions;

        long size = SnapshotLayout.HeaderBytes + 4 + 4 + 4 + SnapshotLayout.ChecksumBytes + (long)leases.Length * SnapshotLayout.LeaseRecordBytes;
        foreach (var (key, record) in entries)
            size += 4 + Encoding.UTF8.GetByteCount(key) + 4 + record.Value.Length + SnapshotLayout.KeyRevisionBytes;
        foreach (var s in sessionList)
            size += 8 + 8 + 8 + 1 + (s.Value is null ? 0 : 4 + s.Value.Length);
        if (size > Array.MaxLength)
            throw new InvalidOperationException($"the state needs {size} bytes, more than one snapshot array can hold");

        var buffer = GC.AllocateUninitializedArray<byte>((int)size);
        var span = buffer.AsSpan();
        var at = 0;

        SnapshotLayout.Magic.CopyTo(span);
        at += SnapshotLayout.Magic.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], SnapshotLayout.Version);
        at += 4;
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], appliedIndex);
        at += 8;

        BinaryPrimitives.WriteInt32LittleEndian(span[at..], entries.Length);
        at += 4;
        foreach (var (key, record) in entries)
        {
            at = WriteString(span, at, key);
            at = WriteBytes(span, at, record.Value);
            at = WriteInt64(span, at, record.CreateRevision);
            at = WriteInt64(span, at, record.ModRevision);
            at = WriteInt64(span, at, record.Version);
            at = WriteInt64(span, at, record.Lease);
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[at..], leases.Length);
        at += 4;
        foreach (var lease in leases)
        {
            at = WriteInt64(span, at, lease.Id);
            at = WriteInt64(span, at, lease.TtlSeconds);
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[at..], sessionList.Length);
        at += 4;
        foreach (var s in sessionList)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], s.Id);
            at += 8;
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], s.Seq);
            at += 8;
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], s.LastIndex);
            at += 8;
            span[at++] = (byte)((s.Found ? SnapshotLayout.FoundFlag : 0) | (s.Value is null ? 0 : SnapshotLayout.HasValueFlag));
            if (s.Value is not null) at = WriteBytes(span, at, s.Value);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(span[at..], XxHash3.HashToUInt64(span[..at]));
        at += SnapshotLayout.ChecksumBytes;
        if (at != buffer.Length) throw new InvalidOperationException($"snapshot size miscounted: wrote {at} of {buffer.Length} bytes");
        return buffer;
    }

    private static int WriteInt64(Span<byte> span, int at, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], value);
        return at + 8;
    }

    private static int WriteString(Span<byte> span, int at, string text)
    {
        var length = Encoding.UTF8.GetBytes(text, span[(at + 4)..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], length);
        return at + 4 + length;
    }

    private static int WriteBytes(Span<byte> span, int at, byte[] bytes)
    {
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], bytes.Length);
        bytes.CopyTo(span[(at + 4)..]);
        return at + 4 + bytes.Length;
    }
}
