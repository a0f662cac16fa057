using RaftKv.Core.Tracking;

namespace RaftKv.Core;

// Linearizable reads without writing to the log: the ReadIndex protocol of the Raft thesis §6.4.
// 1. The leader records its commit index as the read index.
// 2. It confirms it is still the leader by a round of heartbeats acknowledged by a majority.
// 3. The read is served once the state machine has applied through the read index.
// A leader that has not yet committed an entry of its own term does not know the true commit index,
// so reads wait until its no-op commits (step 0 in the thesis).
public sealed partial class Raft
{
    private readonly ReadIndexQueue _readIndex = new();

    /// <summary>Reads that arrived before this leader committed an entry of its term.</summary>
    private readonly List<long> _pendingReads = [];

    /// <summary>
    /// Asks for a linearizable read. When it is safe, a <see cref="ReadState"/> with this
    /// <paramref name="context"/> appears in a later <see cref="Ready"/>. Returns false when this node
    /// is not the leader; reads pending when leadership is lost are dropped (the caller retries).
    /// </summary>
    public bool ReadIndex(long context)
    {
        if (Role != Role.Leader) return false;
        if (!CommittedInCurrentTerm())
        {
            _pendingReads.Add(context);
            return true;
        }
        StartRead(context);
        return true;
    }

    private bool CommittedInCurrentTerm() => _log.Term(_log.Committed) == Term;

    private void StartRead(long context)
    {
        if (IsSingleVoter)
        {
            // No one else can be leader: the commit index is current.
            _readStates.Add(new ReadState(_log.Committed, context));
            return;
        }
        BroadcastHeartbeat(_readIndex.Add(context, _log.Committed, Id));
    }

    private void ReleasePendingReads()
    {
        if (_pendingReads.Count == 0 || !CommittedInCurrentTerm()) return;
        foreach (var context in _pendingReads) StartRead(context);
        _pendingReads.Clear();
    }

    private void ReleaseReads(IReadOnlyList<ReadState> reads) => _readStates.AddRange(reads);

    /// <summary>Read contexts accepted but not yet released (for the driver's bookkeeping and tests).</summary>
    public int PendingReadCount => _readIndex.Count + _pendingReads.Count;
}
