using System.Diagnostics.CodeAnalysis;

namespace RaftKv.StateMachine;

/// <summary>
/// The registered sessions, bounded (see <see cref="SessionRules"/>): when full, registering a session
/// expires the one least recently used. Recency is the log index of the using entry, never the clock, so
/// every node expires the same session at the same entry. Because log indexes only grow, using a session
/// moves it to the newest end of a linked list and the list stays sorted by
/// <see cref="ClientSession.LastIndex"/>: expiry and use are O(1).
/// </summary>
internal sealed class SessionTable
{
    private readonly Dictionary<long, ClientSession> _byId = [];
    private ClientSession? _oldest;
    private ClientSession? _newest;

    public SessionTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }
    public int Count => _byId.Count;

    public bool TryGet(long id, [MaybeNullWhen(false)] out ClientSession session) => _byId.TryGetValue(id, out session);

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
        session.Revision = index;
        Touch(session, index);
    }

    /// <summary>
    /// Adds a session as the newest (a register entry, or a snapshot being read oldest first), expiring
    /// the least recently used one when the table is full.
    /// </summary>
    public ClientSession Add(long id, long seq, bool found, byte[]? value, long index)
    {
        if (index <= (_newest?.LastIndex ?? 0))
            throw new InvalidOperationException($"session index {index} is not after the newest session's {_newest?.LastIndex}");
        if (Count == Capacity) Expire(_oldest!);
        var session = new ClientSession(id) { Seq = seq, Found = found, Value = value, LastIndex = index };
        _byId.Add(id, session);
        Append(session);
        return session;
    }

    /// <summary>Sessions from least to most recently used: the order snapshots store them in.</summary>
    public IEnumerable<ClientSession> OldestFirst()
    {
        for (var s = _oldest; s is not null; s = s.Newer) yield return s;
    }

    private void Expire(ClientSession session)
    {
        Unlink(session);
        _byId.Remove(session.Id);
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
