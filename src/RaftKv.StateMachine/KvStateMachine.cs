using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

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
/// </remarks>
public sealed class KvStateMachine
{
    public const int DefaultMaxSessions = SessionRules.DefaultMaxSessions;

    private const int DescribeMaxChars = 200;
    private const int DescribeMaxBytes = 4 * DescribeMaxChars;

    private Dictionary<string, byte[]> _data = new(StringComparer.Ordinal);
    private Dictionary<string, byte[]>.AlternateLookup<ReadOnlySpan<char>> _dataBySpan;
    private SessionTable _sessions;

    public KvStateMachine(int maxSessions = DefaultMaxSessions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSessions, 1);
        MaxSessions = maxSessions;
        _dataBySpan = _data.GetAlternateLookup<ReadOnlySpan<char>>();
        _sessions = new SessionTable(maxSessions);
        All = new KvStateView(this);
    }

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

    internal Dictionary<string, byte[]> Data => _data;

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
        if (_data.TryGetValue(key, out var utf8))
        {
            value = JsonText.ToElement(utf8);
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>
    /// Everything, including client sessions and <see cref="AppliedIndex"/>, as bytes that depend only on
    /// the state: two nodes that applied the same entries produce identical snapshots.
    /// </summary>
    public byte[] TakeSnapshot() => SnapshotWriter.Write(AppliedIndex, _data, _sessions);

    /// <summary>Replaces all state with a snapshot from <see cref="TakeSnapshot"/>.</summary>
    /// <exception cref="FormatException">The snapshot is corrupted or not a snapshot; the current state is left as it was.</exception>
    public void Restore(byte[] snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        // Read and check everything before touching the live state, so a bad snapshot changes nothing.
        var restored = SnapshotReader.Read(snapshot, MaxSessions);
        _data = restored.Data;
        _dataBySpan = _data.GetAlternateLookup<ReadOnlySpan<char>>();
        _sessions = restored.Sessions;
        AppliedIndex = restored.AppliedIndex;
        Version++;
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
            line.Append(parsed.Op == KvOp.Set ? "set " : "delete ").Append(DisplayName(parsed.Key));
            if (parsed.Op == KvOp.Set)
            {
                // Decode only what can be shown: past DescribeMaxBytes the text has more chars than are kept.
                var text = JsonText.Minify(parsed.Value);
                line.Append(" = ").Append(Shorten(Encoding.UTF8.GetString(text[..Math.Min(text.Length, DescribeMaxBytes)])));
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

        bool found;
        byte[]? stored = null;
        if (command.Op == KvOp.Set)
        {
            stored = command.Value.ToArray();
            _dataBySpan[command.Key] = stored;
            found = true;
        }
        else
        {
            found = _dataBySpan.Remove(command.Key);
        }
        Version++;

        if (session is not null) _sessions.Record(session, command.Seq, found, stored, index);
        return new KvResult(found, stored, KvResultKind.Applied);
    }

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
