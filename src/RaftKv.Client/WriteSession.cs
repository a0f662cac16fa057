namespace RaftKv.Client;

/// <summary>
/// One server-side session as the client sees it: its id (0 until registered) and the sequence number
/// of its last write. The server remembers only the last result per session, which is enough to answer
/// a retry only if the writes of one session never overlap; see <see cref="WriteSessionPool"/>.
/// Touched only by the one write that holds it.
/// </summary>
internal sealed class WriteSession
{
    /// <summary>The id the register answered with; 0 before registration and after the server said it expired.</summary>
    public long Id { get; private set; }

    /// <summary>The sequence number of this session's latest write (0 before the first).</summary>
    public long LastSeq { get; set; }

    public bool IsRegistered => Id != 0;

    public void Registered(long id)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        Id = id;
        LastSeq = 0;
    }

    /// <summary>The server no longer knows this session: the next write registers a new one.</summary>
    public void Expired()
    {
        Id = 0;
        LastSeq = 0;
    }
}
