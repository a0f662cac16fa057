using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Unicode;

namespace RaftKv.StateMachine;

/// <summary>
/// Reads and checks a snapshot in the <see cref="SnapshotLayout"/> format from a stream, through a buffer that holds one
/// field at a time (64 KiB, or one value when a value is larger): however large the snapshot, the memory it takes beyond
/// the state being built is bounded. The structural checks (lengths, key order, valid UTF-8 and JSON, session order)
/// run as the bytes arrive and the checksum over all of them at the end, so a snapshot that passes restores to a state
/// that Apply could have built, and one that fails changes nothing (the caller swaps the state in only afterwards).
/// When a structural check fails and the checksum does not match either, the checksum is what is reported.
/// </summary>
internal sealed class SnapshotReader
{
    private const int BufferBytes = 64 * 1024;

    private readonly Stream _stream;

    /// <summary>Bytes before the trailing checksum.</summary>
    private readonly long _bodyLength;
    private readonly XxHash3 _hash = new();
    private byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;

    /// <summary>Body bytes read from the stream (and hashed) so far.</summary>
    private long _filled;

    private SnapshotReader(Stream stream, long bodyLength)
    {
        _stream = stream;
        _bodyLength = bodyLength;
    }

    /// <summary>The offset of the next byte to parse.</summary>
    private long Position => _filled - (_end - _start);

    /// <exception cref="FormatException">The bytes are not a valid snapshot.</exception>
    public static RestoredState Read(ReadOnlySpan<byte> snapshot, int sessionCapacity) =>
        Read(new MemoryStream(snapshot.ToArray(), writable: false), snapshot.Length, sessionCapacity);

    /// <summary>Reads <paramref name="length"/> bytes of snapshot from <paramref name="stream"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a valid snapshot.</exception>
    public static RestoredState Read(Stream stream, long length, int sessionCapacity)
    {
        if (length < SnapshotLayout.HeaderBytes + 4 + 4 + SnapshotLayout.ChecksumBytes)
            throw new FormatException($"snapshot is too short ({length} bytes)");
        var reader = new SnapshotReader(stream, length - SnapshotLayout.ChecksumBytes);
        if (!reader.Take(SnapshotLayout.Magic.Length).SequenceEqual(SnapshotLayout.Magic))
            throw new FormatException("not a state machine snapshot (bad magic)");
        RestoredState state;
        try
        {
            state = reader.ReadBody(sessionCapacity);
        }
        catch (FormatException) when (!reader.RestMatchesChecksum())
        {
            throw ChecksumMismatch();
        }
        if (!reader.RestMatchesChecksum()) throw ChecksumMismatch();
        return state;
    }

    private static FormatException ChecksumMismatch() => new("snapshot checksum does not match: the snapshot is corrupted");

    /// <summary>Hashes whatever of the body is still unread, then compares with the stored checksum.</summary>
    private bool RestMatchesChecksum()
    {
        try
        {
            while (_filled < _bodyLength)
            {
                var n = _stream.Read(_buffer, 0, (int)Math.Min(_buffer.Length, _bodyLength - _filled));
                if (n == 0) return false;
                _hash.Append(_buffer.AsSpan(0, n));
                _filled += n;
            }
            _start = _end = 0;
            Span<byte> stored = stackalloc byte[SnapshotLayout.ChecksumBytes];
            _stream.ReadExactly(stored);
            return BinaryPrimitives.ReadUInt64LittleEndian(stored) == _hash.GetCurrentHashAsUInt64();
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    private RestoredState ReadBody(int sessionCapacity)
    {
        var version = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        if (version is not (SnapshotLayout.Version or SnapshotLayout.VersionWithClientIds or SnapshotLayout.VersionWithoutRevisions))
            throw new FormatException($"snapshot version {version} is not supported (expected {SnapshotLayout.Version})");
        var withRevisions = version != SnapshotLayout.VersionWithoutRevisions;
        var appliedIndex = ReadInt64();
        if (appliedIndex < 0) throw Bad($"applied index {appliedIndex} is negative");

        var keyCount = ReadCount(SnapshotLayout.MinKeyRecordBytes + (withRevisions ? SnapshotLayout.KeyRevisionBytes : 0), "key");
        var data = new KeyStore();
        var records = new List<(string Key, KeyRecord Record)>(keyCount);
        string? previous = null;
        for (var i = 0; i < keyCount; i++)
        {
            var key = ReadString("key");
            if (previous is not null && string.CompareOrdinal(previous, key) >= 0)
                throw Bad($"keys are not in strictly ascending ordinal order at key {i}");
            var value = ReadJsonValue();
            var record = withRevisions
                ? new KeyRecord(value, ReadInt64(), ReadInt64(), ReadInt64(), ReadInt64())
                : new KeyRecord(value, appliedIndex, appliedIndex, 1, 0);
            if (record.CreateRevision < 1 || record.CreateRevision > record.ModRevision || record.ModRevision > appliedIndex
                || record.Version < 1 || record.Lease < 0)
                throw Bad($"key {i} has impossible revisions (create {record.CreateRevision}, mod {record.ModRevision}, version {record.Version}, lease {record.Lease})");
            records.Add((key, record));
            previous = key;
        }

        var leases = new SortedDictionary<long, LeaseRecord>();
        if (withRevisions)
        {
            var leaseCount = ReadCount(SnapshotLayout.LeaseRecordBytes, "lease");
            for (var i = 0; i < leaseCount; i++)
            {
                var id = ReadInt64();
                var ttl = ReadInt64();
                if (id < 1 || id > appliedIndex || ttl < 1 || ttl > KvLimits.MaxLeaseTtlSeconds || !leases.TryAdd(id, new LeaseRecord(id, ttl)))
                    throw Bad($"lease {i} (id {id}, ttl {ttl}) is invalid or repeated");
            }
        }
        foreach (var (key, record) in records)
        {
            var stored = data.Put(key, record);
            if (record.Lease == 0) continue;
            if (!leases.TryGetValue(record.Lease, out var lease)) throw Bad($"key \"{key}\" is attached to lease {record.Lease}, which the snapshot does not have");
            lease.Keys.Add(stored);
        }

        var sessions = new SessionTable(sessionCapacity);
        if (version != SnapshotLayout.Version)
        {
            SkipClientIdSessions();
            if (Position != _bodyLength) throw Bad($"{_bodyLength - Position} unexpected bytes after the sessions");
            return new RestoredState(appliedIndex, data, leases, sessions);
        }

        var sessionCount = ReadCount(SnapshotLayout.MinSessionRecordBytes, "session");
        // Only the newest sessions fit when this node allows fewer than the snapshot holds; they are
        // the ones eviction would have kept.
        var skip = Math.Max(0, sessionCount - sessionCapacity);
        long previousIndex = 0;
        for (var i = 0; i < sessionCount; i++)
        {
            var id = ReadInt64();
            var seq = ReadInt64();
            var lastIndex = ReadInt64();
            var flags = Take(1)[0];
            if (seq < 0) throw Bad($"session {id} has negative seq {seq}");
            // A session is registered at its id and used at or after it.
            if (id < 1 || id > lastIndex) throw Bad($"session {id} has last index {lastIndex}, before it was registered");
            if (lastIndex <= previousIndex || lastIndex > appliedIndex)
                throw Bad($"session {id} has last index {lastIndex}, out of order or after the applied index {appliedIndex}");
            if ((flags & ~(SnapshotLayout.FoundFlag | SnapshotLayout.HasValueFlag)) != 0 || flags == SnapshotLayout.HasValueFlag)
                throw Bad($"session {id} has invalid flags {flags}");
            var value = (flags & SnapshotLayout.HasValueFlag) != 0 ? ReadJsonValue() : null;
            previousIndex = lastIndex;
            if (i < skip) continue;
            if (sessions.TryGet(id, out _)) throw Bad($"session {id} appears twice");
            sessions.Add(id, seq, (flags & SnapshotLayout.FoundFlag) != 0, value, lastIndex);
        }

        if (Position != _bodyLength) throw Bad($"{_bodyLength - Position} unexpected bytes after the sessions");
        return new RestoredState(appliedIndex, data, leases, sessions);
    }

    /// <summary>
    /// Reads past the sessions of a version 1 or 2 snapshot, named by client-chosen strings: they cannot become
    /// registered sessions, so they are dropped (see <see cref="SnapshotLayout"/>).
    /// </summary>
    private void SkipClientIdSessions()
    {
        var sessionCount = ReadCount(SnapshotLayout.MinClientIdSessionRecordBytes, "session");
        for (var i = 0; i < sessionCount; i++)
        {
            ReadString("client id");
            Take(8 + 8);
            var flags = Take(1)[0];
            if ((flags & ~(SnapshotLayout.FoundFlag | SnapshotLayout.HasValueFlag)) != 0 || flags == SnapshotLayout.HasValueFlag)
                throw Bad($"session {i} has invalid flags {flags}");
            if ((flags & SnapshotLayout.HasValueFlag) != 0) ReadJsonValue();
        }
    }

    /// <summary>The next <paramref name="length"/> bytes; valid until the next call.</summary>
    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || length > _bodyLength - Position)
            throw Bad($"a field of {length} bytes runs past the end");
        if (_end - _start < length) Fill(length);
        var slice = _buffer.AsSpan(_start, length);
        _start += length;
        return slice;
    }

    /// <summary>Reads (and hashes) body bytes until <paramref name="need"/> unread ones are in the buffer.</summary>
    private void Fill(int need)
    {
        var unread = _end - _start;
        if (need > _buffer.Length)
        {
            var bigger = new byte[need];
            _buffer.AsSpan(_start, unread).CopyTo(bigger);
            _buffer = bigger;
        }
        else
        {
            _buffer.AsSpan(_start, unread).CopyTo(_buffer);
        }
        _start = 0;
        _end = unread;
        while (_end < need)
        {
            var n = _stream.Read(_buffer, _end, (int)Math.Min(_buffer.Length - _end, _bodyLength - _filled));
            if (n == 0) throw Bad("the stream ends before the snapshot does");
            _hash.Append(_buffer.AsSpan(_end, n));
            _end += n;
            _filled += n;
        }
        // A large value needed a larger buffer once; go back to the usual size for what follows.
        if (_buffer.Length > BufferBytes && _end - _start <= BufferBytes && need <= BufferBytes)
        {
            var usual = new byte[BufferBytes];
            _buffer.AsSpan(_start, _end - _start).CopyTo(usual);
            _end -= _start;
            _start = 0;
            _buffer = usual;
        }
    }

    private long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    private int ReadLength() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    private int ReadCount(int minRecordBytes, string what)
    {
        var count = ReadLength();
        // Bounding the count by the bytes left keeps a bad count from allocating a huge table.
        if (count < 0 || count > (_bodyLength - Position) / minRecordBytes)
            throw Bad($"{what} count {count} does not fit in the snapshot");
        return count;
    }

    private string ReadString(string what)
    {
        var bytes = Take(ReadLength());
        if (bytes.IsEmpty) throw Bad($"a {what} is empty");
        if (!Utf8.IsValid(bytes)) throw Bad($"a {what} is not valid UTF-8");
        return Encoding.UTF8.GetString(bytes);
    }

    private byte[] ReadJsonValue()
    {
        var bytes = Take(ReadLength());
        if (!Utf8.IsValid(bytes) || !JsonText.IsSingleValue(bytes)) throw Bad("a value is not a single valid JSON value");
        return bytes.ToArray();
    }

    private FormatException Bad(string reason) => new($"snapshot is invalid at offset {Position}: {reason}");
}
