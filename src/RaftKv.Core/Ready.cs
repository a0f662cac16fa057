namespace RaftKv.Core;

/// <summary>
/// Everything the core asks of the outside world after a batch of inputs. The driver handles it in
/// this order, then calls <see cref="Raft.Advance"/>:
/// <list type="number">
/// <item>make <see cref="Snapshot"/>, <see cref="Entries"/> and <see cref="HardState"/> durable (one fsync);</item>
/// <item>send <see cref="Messages"/> (votes and acknowledgements depend on step 1, so never before it);</item>
/// <item>apply <see cref="Snapshot"/> then <see cref="CommittedEntries"/> to the state machine, in order;</item>
/// <item>serve <see cref="ReadStates"/> once the state machine has applied through their index.</item>
/// </list>
/// </summary>
public sealed class Ready
{
    /// <summary>Set when term, vote or commit changed since the last Ready.</summary>
    public HardState? HardState { get; init; }

    /// <summary>Entries to append to stable storage. The first may overwrite (truncate) entries with the same or higher index.</summary>
    public IReadOnlyList<Entry> Entries { get; init; } = [];

    /// <summary>A snapshot received from the leader, to persist and restore; the log before it is discarded.</summary>
    public Snapshot? Snapshot { get; init; }

    public IReadOnlyList<Message> Messages { get; init; } = [];

    /// <summary>Committed entries to apply, in index order, each exactly once.</summary>
    public IReadOnlyList<Entry> CommittedEntries { get; init; } = [];

    public IReadOnlyList<ReadState> ReadStates { get; init; } = [];

    /// <summary>Set when role, leader or term changed since the last Ready.</summary>
    public SoftState? SoftState { get; init; }

    /// <summary>
    /// True when something must be fsynced before <see cref="Messages"/> are sent: entries, a snapshot, or
    /// a new term or vote. A change of the commit index alone need not be: a node that forgets it after
    /// a crash learns it again from the leader (etcd makes the same choice), so the driver may write it
    /// later, with the next batch that must be synced.
    /// </summary>
    public bool MustSync { get; init; }
}
