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
/// Client sessions (Raft thesis 6.3): a command with a ClientId whose Seq is not above the client's
/// last applied Seq is not applied again. At most <see cref="MaxSessions"/> sessions are kept; the one
/// touched longest ago by log index is evicted. MaxSessions must be the same on every node, or nodes
/// would evict different sessions and could disagree on whether a retry is applied.
/// </remarks>
public sealed class KvStateMachine
{
    public const int DefaultMaxSessions = 10_000;

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
    /// One line for show-log, such as <c>set k = {"a":1} (client c1 seq 7)</c> or <c>delete k</c>.
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
            var line = new StringBuilder();
            line.Append(parsed.Op == KvOp.Set ? "set " : "delete ").Append(DisplayName(parsed.Key));
            if (parsed.Op == KvOp.Set)
            {
                // Decode only what can be shown: past DescribeMaxBytes the text has more chars than are kept.
                var text = JsonText.Minify(parsed.Value);
                line.Append(" = ").Append(Shorten(Encoding.UTF8.GetString(text[..Math.Min(text.Length, DescribeMaxBytes)])));
            }
            if (parsed.HasClient) line.Append(" (client ").Append(DisplayName(parsed.ClientId)).Append(" seq ").Append(parsed.Seq).Append(')');
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
        ClientSession? session = null;
        if (command.HasClient && _sessions.TryGet(command.ClientId, out session) && command.Seq <= session.Seq)
        {
            // Already applied: answer the retry without applying it again (Raft thesis 6.3).
            _sessions.Touch(session, index);
            return command.Seq == session.Seq ? session.RememberedResult() : KvResult.Duplicate;
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

        if (command.HasClient)
        {
            if (session is null) _sessions.Add(new string(command.ClientId), command.Seq, found, stored, index);
            else _sessions.Record(session, command.Seq, found, stored, index);
        }
        return new KvResult(found, stored, KvResultKind.Applied);
    }

    private void EnsureAfterApplied(long index)
    {
        if (index <= AppliedIndex)
            throw new InvalidOperationException(
                $"entry {index} is not after the applied index {AppliedIndex}: applying an entry twice is a bug");
    }

    // Keys and client ids are shown bare when that cannot be misread, and JSON-quoted otherwise.
    private static string DisplayName(ReadOnlySpan<char> name)
    {
        var plain = !name.ContainsAny(" \"=()") && !name.ContainsAnyInRange('\0', '\u001f');
        var text = plain ? new string(name) : $"\"{JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"";
        return Shorten(text);
    }

    private static string Shorten(string text)
        => text.Length <= DescribeMaxChars ? text : string.Concat(text.AsSpan(0, DescribeMaxChars), "…");
}
