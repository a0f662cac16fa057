using System.Diagnostics.CodeAnalysis;

namespace RaftKv.StateMachine;

/// <summary>
/// Client sessions, bounded: when full, the session least recently touched is evicted. Recency is the
/// log index of the touching entry, never the clock, so every node evicts the same session at the same
/// entry. Because log indexes only grow, touching a session moves it to the newest end of a linked list
/// and the list stays sorted by <see cref="ClientSession.LastIndex"/>: eviction and touch are O(1).
/// </summary>
internal sealed class SessionTable
{
    private readonly Dictionary<string, ClientSession> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClientSession>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private ClientSession? _oldest;
    private ClientSession? _newest;

    public SessionTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _bySpan = _byId.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Capacity { get; }
    public int Count => _byId.Count;

    public bool TryGet(ReadOnlySpan<char> clientId, [MaybeNullWhen(false)] out ClientSession session)
        => _bySpan.TryGetValue(clientId, out session);

    /// <summary>Marks <paramref name="session"/> as used by the entry at <paramref name="index"/>.</summary>
    public void Touch(ClientSession session, long index)
    {
        session.LastIndex = index;
        if (session == _newest) return;
        Unlink(session);
        Append(session);
    }

    /// <summary>Remembers the result of a newly applied request of <paramref name="session"/>.</summary>
    public void Record(ClientSession session, long seq, bool found, byte[]? value, long index)
    {
        session.Seq = seq;
        session.Found = found;
        session.Value = value;
        Touch(session, index);
    }

    /// <summary>
    /// Adds the session of a client seen for the first time, as the newest, evicting the oldest session
    /// when the table is full.
    /// </summary>
    public ClientSession Add(string clientId, long seq, bool found, byte[]? value, long index)
    {
        if (index <= (_newest?.LastIndex ?? 0))
            throw new InvalidOperationException($"session index {index} is not after the newest session's {_newest?.LastIndex}");
        if (Count == Capacity) Evict(_oldest!);
        var session = new ClientSession(clientId) { Seq = seq, Found = found, Value = value, LastIndex = index };
        _byId.Add(clientId, session);
        Append(session);
        return session;
    }

    /// <summary>Sessions from least to most recently used: the order snapshots store them in.</summary>
    public IEnumerable<ClientSession> OldestFirst()
    {
        for (var s = _oldest; s is not null; s = s.Newer) yield return s;
    }

    private void Evict(ClientSession session)
    {
        Unlink(session);
        _byId.Remove(session.ClientId);
    }

    private void Unlink(ClientSession session)
    {
        if (session.Older is null) _oldest = session.Newer;
        else session.Older.Newer = session.Newer;
        if (session.Newer is null) _newest = session.Older;
        else session.Newer.Older = session.Older;
        session.Older = null;
        session.Newer = null;
    }

    private void Append(ClientSession session)
    {
        session.Older = _newest;
        if (_newest is null) _oldest = session;
        else _newest.Newer = session;
        _newest = session;
    }
}
