using System.Collections.Concurrent;

namespace RaftKv.Client;

/// <summary>
/// Hands each logical write a session of its own for as long as it runs. The server keeps the last
/// result per session and applies a write only if its seq is above the last one (PROTOCOL.md,
/// "Sessions"). Two overlapping writes in one session could reach the leader in either order, and the
/// later seq would then make the earlier one look like a stale duplicate. So concurrent writes borrow
/// distinct sessions: as many as the most writes ever in flight at once, each registered on first use.
/// </summary>
internal sealed class WriteSessionPool
{
    private readonly ConcurrentStack<WriteSession> _idle = new();

    public WriteSession Rent() => _idle.TryPop(out var session) ? session : new WriteSession();

    /// <summary>Gives the session back once its write has an answer or was given up (a later write on it takes a higher seq, so a late copy of the old one can never apply after it).</summary>
    public void Return(WriteSession session) => _idle.Push(session);
}
