using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Unicode;

namespace RaftKv.StateMachine;

/// <summary>
/// Reads and checks a snapshot in the <see cref="SnapshotLayout"/> format. The checksum catches
/// corruption; the structural checks after it (lengths, key order, valid UTF-8 and JSON, session
/// order) catch anything else, so a snapshot that passes restores to a state that Apply could have built.
/// </summary>
internal ref struct SnapshotReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _at;

    private SnapshotReader(ReadOnlySpan<byte> data) => _data = data;

    /// <exception cref="FormatException">The bytes are not a valid snapshot.</exception>
    public static RestoredState Read(ReadOnlySpan<byte> snapshot, int sessionCapacity)
    {
        if (snapshot.Length < SnapshotLayout.HeaderBytes + 4 + 4 + SnapshotLayout.ChecksumBytes)
            throw new FormatException($"snapshot is too short ({snapshot.Length} bytes)");
        if (!snapshot.StartsWith(SnapshotLayout.Magic))
            throw new FormatException("not a state machine snapshot (bad magic)");

        var body = snapshot[..^SnapshotLayout.ChecksumBytes];
        var stored = BinaryPrimitives.ReadUInt64LittleEndian(snapshot[^SnapshotLayout.ChecksumBytes..]);
        if (stored != XxHash3.HashToUInt64(body))
            throw new FormatException("snapshot checksum does not match: the snapshot is corrupted");

        return new SnapshotReader(body).ReadBody(sessionCapacity);
    }

    private RestoredState ReadBody(int sessionCapacity)
    {
        _at = SnapshotLayout.Magic.Length;
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
            if (_at != _data.Length) throw Bad($"{_data.Length - _at} unexpected bytes after the sessions");
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

        if (_at != _data.Length) throw Bad($"{_data.Length - _at} unexpected bytes after the sessions");
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

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || length > _data.Length - _at)
            throw Bad($"a field of {length} bytes runs past the end");
        var slice = _data.Slice(_at, length);
        _at += length;
        return slice;
    }

    private long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    private int ReadLength() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    private int ReadCount(int minRecordBytes, string what)
    {
        var count = ReadLength();
        // Bounding the count by the bytes left keeps a bad count from allocating a huge table.
        if (count < 0 || count > (_data.Length - _at) / minRecordBytes)
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

    private readonly FormatException Bad(string reason) => new($"snapshot is invalid at offset {_at}: {reason}");
}
