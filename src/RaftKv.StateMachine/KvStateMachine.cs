using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using RaftKv.Protocol;

namespace RaftKv.StateMachine;

/// <summary>
/// The replicated key-value store: what every node builds by applying the committed log in order.
/// It is deterministic: the same entries give the same data, sessions and snapshot bytes on every
/// node, so nothing here reads the clock, a random source or an iteration order that depends on history.
/// Not thread-safe: the node driver's single loop owns it.
/// </summary>
/// <remarks>
/// Values are stored as their UTF-8 JSON text exactly as it appears in the command, so a get returns
/// what the client wrote (1.10 stays 1.10, 12345678901234567890 keeps every digit).
/// Client sessions (Raft thesis §6.3, rules in <see cref="SessionRules"/>): a session exists once its
/// register entry is applied, and its id is that entry's index; a write of a session that does not exist
/// (never registered, or expired) is refused, never applied; a write whose seq is not above its session's
/// last applied seq is not applied again. At most <see cref="MaxSessions"/> sessions are kept; the one
/// used longest ago by log index expires. MaxSessions must be the same on every node, or nodes would
/// expire different sessions and could disagree on whether a request is applied.
/// Everything is a function of the entries applied (and the snapshot restored): a simulator can drive
/// it with <see cref="Apply"/> alone, using <see cref="KvCommandCodec"/> to build the entries.
/// Revisions are log indexes: a command applied at index i has revision i, every key it writes gets
/// modRevision i, and the store's <see cref="Revision"/> is the applied index. Indexes that carry no
/// write (no-ops, configuration changes, reads, registers) leave gaps, which is why revisions are only
/// "increasing". Leases: a grant at index i creates lease i; the leader decides expiry and commits a
/// revoke, so applying never reads a clock.
/// </remarks>
public sealed class KvStateMachine
{
    public const int DefaultMaxSessions = SessionRules.DefaultMaxSessions;

    private const int DescribeMaxChars = 200;
    private const int DescribeMaxBytes = 4 * DescribeMaxChars;

    /// <summary>Events kept for watches by default (see <see cref="EventHistory"/>).</summary>
    public const int DefaultHistoryEvents = 100_000;

    /// <summary>Bytes of events kept for watches by default.</summary>
    public const long DefaultHistoryBytes = 64L * 1024 * 1024;

    private KeyStore _data = new();
    private SortedDictionary<long, LeaseRecord> _leases = [];
    private SessionTable _sessions;

    public KvStateMachine(int maxSessions = DefaultMaxSessions, int historyEvents = DefaultHistoryEvents, long historyBytes = DefaultHistoryBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSessions, 1);
        MaxSessions = maxSessions;
        _sessions = new SessionTable(maxSessions);
        History = new EventHistory(historyEvents, historyBytes);
        All = new KvStateView(this);
    }

    /// <summary>The store's revision: the index of the last entry applied. Every read answers as of this revision.</summary>
    public long Revision => AppliedIndex;

    /// <summary>The recent changes, for watches.</summary>
    public EventHistory History { get; }

    /// <summary>The number of leases.</summary>
    public int LeaseCount => _leases.Count;

    /// <summary>The index of the last log entry applied (or skipped with <see cref="AdvanceTo"/>); 0 before any.</summary>
    public long AppliedIndex { get; private set; }

    public int MaxSessions { get; }

    /// <summary>The number of keys.</summary>
    public int Count => _data.Count;

    /// <summary>The number of client sessions remembered.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>True when session <paramref name="session"/> exists now: registered and not expired.</summary>
    public bool HasSession(long session) => _sessions.TryGet(session, out _);

    /// <summary>The seq of the last write applied in <paramref name="session"/> (0 before its first), if the session exists.</summary>
    public bool TryGetLastSeq(long session, out long lastSeq)
    {
        var exists = _sessions.TryGet(session, out var s);
        lastSeq = exists ? s!.Seq : 0;
        return exists;
    }

    /// <summary>
    /// A live read-only view of every key, enumerated in ordinal key order. Values are parsed when
    /// read. Enumerating while the state changes throws, as for any .NET collection.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> All { get; }

    /// <summary>Changes whenever the data changes, so an enumeration of <see cref="All"/> can notice.</summary>
    internal int Version { get; private set; }

    internal KeyStore Data => _data;

    /// <summary>Applies the committed command at <paramref name="index"/>.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="index"/> is not above <see cref="AppliedIndex"/>: applying an entry twice is a bug in the caller.</exception>
    /// <exception cref="FormatException">
    /// The command is not valid. Nothing changes, not even <see cref="AppliedIndex"/>; every node refuses the
    /// same bytes, so a caller that must move past such an entry can call <see cref="AdvanceTo"/> and stay in step.
    /// </exception>
    public KvResult Apply(long index, ReadOnlySpan<byte> command)
    {
        EnsureAfterApplied(index);
        var rented = KvCommandParser.RentScratch(command.Length);
        Span<char> scratch = rented is null ? stackalloc char[KvCommandParser.StackScratchChars] : rented;
        try
        {
            var parsed = KvCommandParser.Parse(command, scratch);
            var result = Execute(index, parsed);
            AppliedIndex = index;
            return result;
        }
        finally
        {
            KvCommandParser.ReturnScratch(rented);
        }
    }

    /// <summary>Moves <see cref="AppliedIndex"/> past an entry that is not a command (a no-op or a configuration change).</summary>
    /// <exception cref="InvalidOperationException"><paramref name="index"/> is not above <see cref="AppliedIndex"/>.</exception>
    public void AdvanceTo(long index)
    {
        EnsureAfterApplied(index);
        AppliedIndex = index;
    }

    /// <summary>Reads a key. The element is a fresh parse of the stored text, independent of later changes.</summary>
    public bool TryGet(string key, out JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_data.TryGet(key, out var record))
        {
            value = JsonText.ToElement(record.Value);
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Reads a key with its revisions, or null when it does not exist.</summary>
    public KeyValue? GetKeyValue(string key, bool keysOnly = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _data.TryGet(key, out var record) ? View(key, record, keysOnly) : null;
    }

    /// <summary>
    /// Reads the keys of <paramref name="range"/> in ordinal order: at most <paramref name="limit"/> of them
    /// (0: no limit), without values when <paramref name="keysOnly"/>, none when <paramref name="countOnly"/>.
    /// <see cref="RangeResult.Count"/> is always the number of keys in the whole range.
    /// </summary>
    public RangeResult Range(KeyRange range, int limit = 0, bool keysOnly = false, bool countOnly = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var kvs = new List<KeyValue>();
        long count = 0;
        foreach (var (key, record) in _data.Range(range))
        {
            count++;
            if (!countOnly && (limit == 0 || kvs.Count < limit)) kvs.Add(View(key, record, keysOnly));
        }
        return new RangeResult(kvs, count, !countOnly && count > kvs.Count);
    }

    /// <summary>Changes whenever a lease is granted or removed (or a snapshot restored), so a watcher of the leases can skip unchanged batches.</summary>
    public long LeaseVersion { get; private set; }

    /// <summary>Every lease's id and TTL in seconds, by id, without copying its keys.</summary>
    public IEnumerable<(long Id, long TtlSeconds)> LeaseTtls => _leases.Values.Select(l => (l.Id, l.TtlSeconds));

    /// <summary>Every lease, by id.</summary>
    public IEnumerable<LeaseInfo> Leases => _leases.Values.Select(Info);

    public bool TryGetLease(long id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LeaseInfo? lease)
    {
        lease = _leases.TryGetValue(id, out var record) ? Info(record) : null;
        return lease is not null;
    }

    /// <summary>
    /// Everything, including client sessions and <see cref="AppliedIndex"/>, as bytes that depend only on
    /// the state: two nodes that applied the same entries produce identical snapshots.
    /// </summary>
    public byte[] TakeSnapshot() => Capture().Serialize();

    /// <summary>
    /// The state as of now, frozen, for <see cref="KvSnapshotView.Serialize"/> to write on another thread while this
    /// machine goes on applying. Costs one reference per key, lease and session, copied in hash-table order (the view
    /// sorts them where it is written); no value is copied.
    /// </summary>
    public KvSnapshotView Capture() => new(
        AppliedIndex,
        _data.Unordered(),
        [.. _leases.Values.Select(l => (l.Id, l.TtlSeconds))],
        [.. _sessions.OldestFirst().Select(SessionImage.Of)]);

    /// <summary>Replaces all state with a snapshot from <see cref="TakeSnapshot"/>.</summary>
    /// <exception cref="FormatException">The snapshot is corrupted or not a snapshot; the current state is left as it was.</exception>
    public void Restore(byte[] snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Restore(new MemoryStream(snapshot, writable: false), snapshot.Length);
    }

    /// <summary>
    /// Replaces all state with the snapshot in the next <paramref name="length"/> bytes of <paramref name="snapshot"/>
    /// (<see cref="KvSnapshotView.WriteTo"/>), read through a bounded buffer: a snapshot of any size, never whole in memory.
    /// </summary>
    /// <exception cref="FormatException">The snapshot is corrupted or not a snapshot; the current state is left as it was.</exception>
    public void Restore(Stream snapshot, long length)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        // Read and check everything before touching the live state, so a bad snapshot changes nothing.
        var restored = SnapshotReader.Read(snapshot, length, MaxSessions);
        _data = restored.Data;
        _leases = restored.Leases;
        _sessions = restored.Sessions;
        AppliedIndex = restored.AppliedIndex;
        // The events before the snapshot are not in it: a watch from before it is told "compacted".
        History.Reset(AppliedIndex + 1);
        Version++;
        LeaseVersion++;
    }

    /// <summary>
    /// One line for show-log, such as <c>set k = {"a":1} (session 12 seq 7)</c> or <c>delete k</c>.
    /// Never throws: bytes that are not a command are described as such.
    /// </summary>
    public static string Describe(ReadOnlySpan<byte> command)
    {
        if (command.IsEmpty) return "<empty command>";
        var rented = KvCommandParser.RentScratch(command.Length);
        Span<char> scratch = rented is null ? stackalloc char[KvCommandParser.StackScratchChars] : rented;
        try
        {
            var parsed = KvCommandParser.Parse(command, scratch);
            if (parsed.Op == KvOp.Register) return "register (a new session, its id is this index)";
            var line = new StringBuilder();
            switch (parsed.Op)
            {
                case KvOp.Set:
                    // Decode only what can be shown: past DescribeMaxBytes the text has more chars than are kept.
                    var text = JsonText.Minify(parsed.Value);
                    line.Append("set ").Append(DisplayName(parsed.Key))
                        .Append(" = ").Append(Shorten(Encoding.UTF8.GetString(text[..Math.Min(text.Length, DescribeMaxBytes)])));
                    if (parsed.Lease != 0) line.Append(" lease ").Append(parsed.Lease);
                    break;
                case KvOp.Delete:
                    line.Append(parsed.Prefix ? "delete prefix " : "delete ").Append(DisplayName(parsed.Key));
                    break;
                case KvOp.Txn:
                    var t = parsed.Txn!;
                    line.Append("txn: ").Append(t.Compare.Length).Append(" compare, ").Append(t.Success.Length)
                        .Append(" success, ").Append(t.Failure.Length).Append(" failure");
                    break;
                case KvOp.LeaseGrant:
                    line.Append("lease grant ttl ").Append(parsed.Ttl).Append('s');
                    break;
                default:
                    line.Append("lease revoke ").Append(parsed.Lease);
                    break;
            }
            if (parsed.HasSession) line.Append(" (session ").Append(parsed.Session).Append(" seq ").Append(parsed.Seq).Append(')');
            return line.ToString();
        }
        catch (FormatException e)
        {
            return $"<invalid command ({command.Length} bytes): {Shorten(e.Message.ReplaceLineEndings(" "))}>";
        }
        finally
        {
            KvCommandParser.ReturnScratch(rented);
        }
    }

    private KvResult Execute(long index, in ParsedCommand command)
    {
        if (command.Op == KvOp.Register)
        {
            _sessions.Add(index, seq: 0, found: false, value: null, index);
            return KvResult.Registered;
        }

        ClientSession? session = null;
        if (command.HasSession)
        {
            // Unknown and expired look the same here, and need not differ: ids are log indexes, so a
            // session that is not in the table can never be a new one (Raft thesis §6.3).
            if (!_sessions.TryGet(command.Session, out session)) return KvResult.SessionExpired;
            if (command.Seq <= session.Seq)
            {
                // Already applied: answer the retry without applying it again.
                _sessions.Touch(session, index);
                return command.Seq == session.Seq ? session.RememberedResult() : KvResult.Duplicate;
            }
        }

        var result = Run(index, command);
        if (result.Kind == KvResultKind.Applied) Version++;

        if (session is not null)
        {
            // A transaction is remembered by whether it succeeded; its other results are not kept.
            var found = result.Succeeded ?? result.Found;
            // A lease grant remembers its lease id (as the JSON number), so a retry learns which lease it made.
            var stored = command.Op switch
            {
                KvOp.Set => result.StoredValue,
                KvOp.LeaseGrant when result.Kind == KvResultKind.Applied => Encoding.UTF8.GetBytes(result.LeaseId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                _ => null,
            };
            _sessions.Record(session, command.Seq, found, stored, index);
        }
        return result;
    }

    private KvResult Run(long index, in ParsedCommand command)
    {
        switch (command.Op)
        {
            case KvOp.Set:
                if (command.Lease != 0 && !_leases.ContainsKey(command.Lease)) return LeaseNotFound(command.Lease);
                var stored = command.Value.ToArray();
                Put(command.Key, stored, command.Lease, index);
                return new KvResult(true, stored, KvResultKind.Applied) { Revision = index };

            case KvOp.Delete:
                var deleted = command.Prefix ? DeleteRange(KeyRange.Prefix(new string(command.Key)), index) : Delete(command.Key, index) ? 1 : 0;
                return new KvResult(deleted > 0, null, KvResultKind.Applied) { Revision = index, Deleted = deleted };

            case KvOp.Txn:
                return RunTxn(index, command.Txn!);

            case KvOp.LeaseGrant:
                _leases.Add(index, new LeaseRecord(index, command.Ttl));
                LeaseVersion++;
                return new KvResult(true, null, KvResultKind.Applied) { Revision = index, LeaseId = index };

            default:
                if (!_leases.Remove(command.Lease, out var lease)) return LeaseNotFound(command.Lease);
                LeaseVersion++;
                var count = 0;
                foreach (var key in lease.Keys.ToArray())
                    if (Delete(key, index)) count++;
                return new KvResult(true, null, KvResultKind.Applied) { Revision = index, Deleted = count };
        }
    }

    private KvResult RunTxn(long index, TxnRequest txn)
    {
        var succeeded = txn.Compare.All(Holds);
        var branch = succeeded ? txn.Success : txn.Failure;
        // All or nothing: refuse before the first change if any set names a lease that does not exist.
        foreach (var op in branch)
            if (op.Op == KvOp.Set && op.Lease != 0 && !_leases.ContainsKey(op.Lease)) return LeaseNotFound(op.Lease);

        var responses = new TxnOpResponse[branch.Length];
        for (var i = 0; i < branch.Length; i++)
        {
            var op = branch[i];
            switch (op.Op)
            {
                case KvOp.Set:
                    Put(op.Key, op.Value!, op.Lease, index);
                    responses[i] = new TxnOpResponse { Op = "set" };
                    break;
                case KvOp.Delete:
                    var deleted = op.Prefix ? DeleteRange(KeyRange.Prefix(op.Key), index) : Delete(op.Key, index) ? 1 : 0;
                    responses[i] = new TxnOpResponse { Op = "delete", Deleted = deleted };
                    break;
                default:
                    var kvs = op.Prefix ? [.. Range(KeyRange.Prefix(op.Key)).Kvs] : GetKeyValue(op.Key) is { } kv ? new[] { kv } : [];
                    responses[i] = new TxnOpResponse { Op = "get", Kvs = kvs };
                    break;
            }
        }
        return new KvResult(succeeded, null, KvResultKind.Applied) { Revision = index, Succeeded = succeeded, Responses = responses };
    }

    private bool Holds(TxnCompare c)
    {
        _data.TryGet(c.Key, out var record);
        if (c.Target == CompareTarget.Value)
        {
            var equal = record is not null && JsonElement.DeepEquals(JsonText.ToElement(record.Value), JsonText.ToElement(c.Value!));
            return c.Op == CompareOp.Equal ? equal : !equal;
        }
        var actual = c.Target switch
        {
            CompareTarget.Version => record?.Version ?? 0,
            CompareTarget.CreateRevision => record?.CreateRevision ?? 0,
            CompareTarget.ModRevision => record?.ModRevision ?? 0,
            _ => record?.Lease ?? 0,
        };
        return c.Op switch
        {
            CompareOp.Equal => actual == c.Number,
            CompareOp.NotEqual => actual != c.Number,
            CompareOp.Less => actual < c.Number,
            _ => actual > c.Number,
        };
    }

    private void Put(ReadOnlySpan<char> key, byte[] value, long lease, long index)
    {
        KeyRecord record;
        if (_data.TryGet(key, out var existingKey, out var old))
        {
            record = new KeyRecord(value, old.CreateRevision, index, old.Version + 1, lease);
            if (old.Lease != lease) Detach(old.Lease, existingKey);
        }
        else
        {
            record = new KeyRecord(value, index, index, 1, lease);
        }
        var storedKey = _data.Put(key, record);
        if (lease != 0) _leases[lease].Keys.Add(storedKey);
        History.Add(new KvEvent(true, storedKey, value, index, record.Version));
    }

    private bool Delete(ReadOnlySpan<char> key, long index)
        => _data.TryGet(key, out var storedKey, out _) && Delete(storedKey, index);

    private bool Delete(string key, long index)
    {
        if (!_data.Remove(key, out var old)) return false;
        Detach(old.Lease, key);
        History.Add(new KvEvent(false, key, null, index, 0));
        return true;
    }

    private int DeleteRange(KeyRange range, long index)
    {
        var keys = _data.Range(range).Select(pair => pair.Key).ToList();
        foreach (var key in keys) Delete(key, index);
        return keys.Count;
    }

    private void Detach(long lease, string key)
    {
        if (lease != 0 && _leases.TryGetValue(lease, out var record)) record.Keys.Remove(key);
    }

    private static KvResult LeaseNotFound(long lease)
        => new(false, null, KvResultKind.Rejected) { Error = $"lease {lease} not found (expired or revoked)" };

    private static KeyValue View(string key, KeyRecord record, bool keysOnly) => new()
    {
        Key = key,
        Value = keysOnly ? null : JsonText.ToElement(record.Value),
        CreateRevision = record.CreateRevision,
        ModRevision = record.ModRevision,
        Version = record.Version,
        Lease = record.Lease,
    };

    private static LeaseInfo Info(LeaseRecord record) => new(record.Id, record.TtlSeconds, [.. record.Keys]);

    private void EnsureAfterApplied(long index)
    {
        if (index <= AppliedIndex)
            throw new InvalidOperationException(
                $"entry {index} is not after the applied index {AppliedIndex}: applying an entry twice is a bug");
    }

    // Keys are shown bare when that cannot be misread, and JSON-quoted otherwise.
    private static string DisplayName(ReadOnlySpan<char> name)
    {
        var plain = !name.ContainsAny(" \"=()") && !name.ContainsAnyInRange('\0', '\u001f');
        var text = plain ? new string(name) : $"\"{JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"";
        return Shorten(text);
    }

    private static string Shorten(string text)
        => text.Length <= DescribeMaxChars ? text : string.Concat(text.AsSpan(0, DescribeMaxChars), "…");
}
