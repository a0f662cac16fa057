namespace RaftKv.Core.Tracking;

/// <summary>
/// The leader's view of one member's log (Raft Figure 2: nextIndex and matchIndex), plus the flow
/// control that etcd adds on top: probing, pipelining and snapshot states.
/// </summary>
public sealed class Progress(long next, int maxInflight)
{
    /// <summary>Highest index known to be replicated (and durable) on the member.</summary>
    public long Match { get; private set; }

    /// <summary>Index of the next entry to send.</summary>
    public long Next { get; private set; } = next;

    public ProgressState State { get; private set; } = ProgressState.Probe;

    /// <summary>In Probe state: a probe is out, wait for its answer (or a heartbeat reply) before sending another.</summary>
    public bool ProbeSent { get; set; }

    /// <summary>In Snapshot state: the index of the snapshot being sent.</summary>
    public long PendingSnapshot { get; private set; }

    /// <summary>Heard from since the last CheckQuorum round (thesis §6.2).</summary>
    public bool RecentActive { get; set; }

    /// <summary>Leader ticks since this member last answered an AppendEntries or snapshot; detects lost pipelines.</summary>
    public int TicksSinceAppendResponse { get; set; }

    public Inflights Inflights { get; } = new(maxInflight);

    /// <summary>Paused: nothing more may be sent until a reply arrives.</summary>
    public bool IsPaused => State switch
    {
        ProgressState.Probe => ProbeSent,
        ProgressState.Replicate => Inflights.Full,
        _ => true,
    };

    public void BecomeProbe()
    {
        // Coming back from a snapshot, continue after it; otherwise after the last known match.
        Next = State == ProgressState.Snapshot ? Math.Max(Match + 1, PendingSnapshot + 1) : Match + 1;
        State = ProgressState.Probe;
        ProbeSent = false;
        PendingSnapshot = 0;
        Inflights.Reset();
        TicksSinceAppendResponse = 0;
    }

    public void BecomeReplicate()
    {
        State = ProgressState.Replicate;
        Next = Match + 1;
        ProbeSent = false;
        PendingSnapshot = 0;
        Inflights.Reset();
        TicksSinceAppendResponse = 0;
    }

    public void BecomeSnapshot(long snapshotIndex)
    {
        State = ProgressState.Snapshot;
        PendingSnapshot = snapshotIndex;
        ProbeSent = false;
        Inflights.Reset();
        TicksSinceAppendResponse = 0;
    }

    /// <summary>An acknowledgement up to <paramref name="index"/>. Returns false when it tells us nothing new (stale).</summary>
    public bool MaybeUpdate(long index)
    {
        var updated = false;
        if (Match < index)
        {
            Match = index;
            updated = true;
            ProbeSent = false;
        }
        Next = Math.Max(Next, index + 1);
        return updated;
    }

    /// <summary>The member holds less than it acknowledged (see the heartbeat handling): probe again from <paramref name="index"/>.</summary>
    public void ResetMatch(long index)
    {
        Match = Math.Min(Match, index);
        State = ProgressState.Replicate; // so that BecomeProbe restarts from Match, not from a pending snapshot
        BecomeProbe();
    }

    /// <summary>After sending entries up to <paramref name="lastIndex"/> in Replicate state: optimistically move on.</summary>
    public void SentEntries(long lastIndex)
    {
        Next = lastIndex + 1;
        Inflights.Add(lastIndex);
    }

    /// <summary>
    /// A rejection of the append whose prevLogIndex was <paramref name="rejected"/>; <paramref name="hint"/>
    /// is where the logs may match. Returns false when the rejection is stale (an old, reordered reply).
    /// </summary>
    public bool MaybeDecreaseTo(long rejected, long hint)
    {
        if (State == ProgressState.Replicate)
        {
            // Anything at or below Match is known to match: that rejection is from an earlier exchange.
            if (rejected <= Match) return false;
            Next = Match + 1;
            return true;
        }
        // In Probe state only the answer to the probe we sent (prevLogIndex = Next-1) counts.
        if (Next - 1 != rejected) return false;
        Next = Math.Max(Math.Min(rejected, hint + 1), Match + 1);
        ProbeSent = false;
        return true;
    }

    public override string ToString() => $"{State} match={Match} next={Next} inflight={Inflights.Count}";
}
