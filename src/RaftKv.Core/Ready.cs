namespace RaftKv.Core;

/// <summary>
/// Everything the core asks of the outside world after a batch of inputs:
/// <list type="number">
/// <item>send <see cref="Messages"/> at once: they depend on nothing that is not yet durable;</item>
/// <item>make <see cref="Snapshot"/>, <see cref="Entries"/> and <see cref="HardState"/> durable (one fsync);</item>
/// <item>only then send <see cref="MessagesAfterPersist"/> (acknowledgements, votes, and everything while a new
/// term or vote is not yet durable);</item>
/// <item>apply <see cref="Snapshot"/> then <see cref="CommittedEntries"/> to the state machine, in order, and tell the
/// core with <see cref="Raft.AppliedTo"/>;</item>
/// <item>serve <see cref="ReadStates"/> once the state machine has applied through their index.</item>
/// </list>
/// A synchronous driver does all of it and calls <see cref="Raft.Advance"/>. An asynchronous one (the replica)
/// hands step 2 to a storage writer, may take further Readies meanwhile, and reports each one durable, in order,
/// with <see cref="Raft.Persisted"/>.
/// </summary>
public sealed class Ready
{
    /// <summary>Set when term, vote or commit changed since the last Ready.</summary>
    public HardState? HardState { get; init; }

    /// <summary>Entries to append to stable storage. The first may overwrite (truncate) entries with the same or higher index.</summary>
    public IReadOnlyList<Entry> Entries { get; init; } = [];

    /// <summary>A snapshot received from the leader, to persist and restore; the log before it is discarded.</summary>
    public Snapshot? Snapshot { get; init; }

    /// <summary>
    /// Messages that may leave before this Ready (and every earlier one) is durable: a leader's AppendEntries,
    /// heartbeats, snapshots and TimeoutNow, whose receivers do not rely on the leader's own disk (thesis §10.2.1),
    /// heartbeat replies and pre-vote replies. Empty while this node's term or vote is not yet durable.
    /// </summary>
    public IReadOnlyList<Message> Messages { get; init; } = [];

    /// <summary>
    /// Messages that must wait until this Ready (and every earlier one) is durable (etcd's msgsAfterAppend):
    /// append acknowledgements (they promise the entries survive a crash), vote replies, and every
    /// message sent while the term or vote it carries is not yet durable, so that a crash can never make this
    /// node contradict what it already said.
    /// </summary>
    public IReadOnlyList<Message> MessagesAfterPersist { get; init; } = [];

    /// <summary>
    /// <see cref="Messages"/> then <see cref="MessagesAfterPersist"/>: everything this Ready sends, for a driver that
    /// writes before it sends anything (and for tests that look at what a Ready says, not when).
    /// </summary>
    public IReadOnlyList<Message> AllMessages => [.. Messages, .. MessagesAfterPersist];

    /// <summary>Committed entries to apply, in index order, each exactly once.</summary>
    public IReadOnlyList<Entry> CommittedEntries { get; init; } = [];

    public IReadOnlyList<ReadState> ReadStates { get; init; } = [];

    /// <summary>Set when role, leader or term changed since the last Ready.</summary>
    public SoftState? SoftState { get; init; }

    /// <summary>
    /// True when something must be fsynced before <see cref="MessagesAfterPersist"/> are sent: entries, a snapshot, or
    /// a new term or vote. A change of the commit index alone need not be: a node that forgets it after
    /// a crash learns it again from the leader (etcd makes the same choice), so the driver may write it
    /// later, with the next batch that must be synced.
    /// </summary>
    public bool MustSync { get; init; }
}
