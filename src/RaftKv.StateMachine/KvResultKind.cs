namespace RaftKv.StateMachine;

/// <summary>How <see cref="KvStateMachine.Apply"/> handled a command (the session rules are in <see cref="SessionRules"/>).</summary>
public enum KvResultKind
{
    /// <summary>The command was applied now; the result is its own.</summary>
    Applied,

    /// <summary>
    /// A retry of the session's last applied command (same session and seq): it was not applied again,
    /// and the result is the one remembered from when it was, even if the key has changed since.
    /// </summary>
    Remembered,

    /// <summary>
    /// Older than the session's last applied command: it was not applied, and its result is no longer
    /// known (Found is false, Value is null). The client has already moved on, so nobody should be waiting for it.
    /// </summary>
    Duplicate,

    /// <summary>
    /// A well-formed command the current state refuses, the same way on every node (a set or revoke naming
    /// a lease that does not exist): nothing changed, and <see cref="KvResult.Error"/> says why.
    /// </summary>
    Rejected,

    /// <summary>A register command: a session now exists whose id is the log index of this entry.</summary>
    Registered,

    /// <summary>
    /// The command names a session that does not exist (never registered, or expired): it was not applied and
    /// nothing changed. Whether an earlier copy of it was applied cannot be known any more.
    /// </summary>
    SessionExpired,
}
