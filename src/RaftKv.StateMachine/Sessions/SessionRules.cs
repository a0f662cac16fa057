namespace RaftKv.StateMachine;

/// <summary>
/// The client session rules (Raft thesis §6.3), in one place; docs/PROTOCOL.md "Sessions" says the same for clients.
/// <list type="number">
/// <item>A session exists only once a <see cref="KvOp.Register"/> entry is applied; its id is that entry's log
/// index. Ids are therefore unique, never reused, and known to every node at the same point of the log.</item>
/// <item>A write names its session and a seq. Applied in log order: an unknown session id (never registered, or
/// expired) gives <see cref="KvResultKind.SessionExpired"/> and changes nothing; a seq above the session's last
/// is applied and its result remembered; the same seq is answered from memory
/// (<see cref="KvResultKind.Remembered"/>); a lower seq is <see cref="KvResultKind.Duplicate"/>. A write
/// without a session (id 0) is applied every time it is applied: nothing protects it from a retry.</item>
/// <item>At most <see cref="KvStateMachine.MaxSessions"/> sessions are kept. Registering one more expires the
/// session whose last use (register, or any write naming it, even a refused retry) has the lowest log index.
/// Expiry depends only on the log, never on a clock, so every node expires the same session at the same entry,
/// and a snapshot carries the table so that a restored node continues identically.</item>
/// <item>An expired session never comes back: ids are log indexes, so "unknown" can be told from "new" without
/// remembering the expired ones. That is what makes a late retry safe whatever happened in between.</item>
/// </list>
/// </summary>
public static class SessionRules
{
    /// <summary>The session table's bound when none is given. Must be the same on every node of a cluster.</summary>
    public const int DefaultMaxSessions = 10_000;
}
