using System.Collections.Concurrent;

namespace RaftKv.Client;

/// <summary>
/// Hands each logical write a session of its own for as long as it runs. The server keeps the last
/// result per client id and applies a write only if its seq is above the last one (PROTOCOL.md,
/// "Idempotent writes"). Two overlapping writes under one id could reach the leader in either
/// order, and the later seq would then make the earlier one look like a stale duplicate. So
/// concurrent writes borrow distinct ids: the first session is <see cref="RaftClientOptions.ClientId"/>
/// itself (a client that writes one at a time only ever uses that), further ones are
/// <c>ClientId/1</c>, <c>ClientId/2</c>, ... as many as the most writes ever in flight at once.
/// </summary>
internal sealed class WriteSessionPool(string clientId)
{
    private readonly ConcurrentStack<WriteSession> _idle = new();
    private int _created;

    public WriteSession Rent()
    {
        if (_idle.TryPop(out var session)) return session;
        var n = Interlocked.Increment(ref _created) - 1;
        return new WriteSession(n == 0 ? clientId : $"{clientId}/{n}");
    }

    /// <summary>Gives the session back once its write has an answer or was given up (a later write on it takes a higher seq, so a late copy of the old one can never apply after it).</summary>
    public void Return(WriteSession session) => _idle.Push(session);
}
