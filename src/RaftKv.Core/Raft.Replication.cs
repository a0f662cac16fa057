using RaftKv.Core.Tracking;

namespace RaftKv.Core;

// Log replication: Raft §5.3 (AppendEntries consistency check and conflict truncation), §5.4.2
// (commit only entries of the current term by counting replicas: Figure 8), §7 (InstallSnapshot),
// with etcd's flow control: probing with fast back-off, then pipelining within a bounded window.
public sealed partial class Raft
{
    private long _uncommittedBytes;

    /// <summary>Proposals since the last Ready are sent as one AppendEntries per follower (batching).</summary>
    private bool _broadcastPending;

    /// <summary>
    /// The commit index advanced since the last Ready: every follower hears of it in the next Ready, with
    /// an empty AppendEntries if there is nothing new to send (as etcd's bcastAppend). Waiting for the
    /// next heartbeat is not enough: a leader that commits its own removal steps down in that very Ready
    /// and never sends another, and a remaining voter that never learns the removal committed may still
    /// need the removed node's vote to elect anyone.
    /// </summary>
    private bool _commitBroadcastPending;

    /// <summary>
    /// Appends <paramref name="command"/> to the leader's log. On <see cref="ProposeResult.Accepted"/>,
    /// <paramref name="index"/> is where it will commit (if this leader keeps its office).
    /// </summary>
    public ProposeResult Propose(byte[] command, out long index)
    {
        index = 0;
        if (Role != Role.Leader) return ProposeResult.NotLeader;
        if (_transferTarget != NodeIds.None) return ProposeResult.TransferInProgress;
        if (_options.MaxUncommittedBytes > 0 && _uncommittedBytes > 0 &&
            _uncommittedBytes + command.Length > _options.MaxUncommittedBytes)
            return ProposeResult.Overloaded;
        index = AppendOwnEntry(EntryType.Command, command);
        return ProposeResult.Accepted;
    }

    private long AppendOwnEntry(EntryType type, byte[] data)
    {
        var entry = new Entry(_log.LastIndex + 1, Term, type, data);
        _log.AppendOwn(entry);
        _uncommittedBytes += entry.Size;
        _broadcastPending = true;
        // Our own progress moves when the entry is durable (Advance), never before.
        return entry.Index;
    }

    private void FlushBroadcast()
    {
        if (!_broadcastPending && !_commitBroadcastPending) return;
        var sendIfEmpty = _commitBroadcastPending;
        _broadcastPending = false;
        _commitBroadcastPending = false;
        if (Role != Role.Leader) return;
        foreach (var id in _progress.Keys)
            if (id != Id) SendAppend(id, sendIfEmpty);
    }

    /// <summary>
    /// Sends the next entries to <paramref name="to"/>, or a snapshot when they are compacted away.
    /// Returns whether anything was sent.
    /// </summary>
    private bool SendAppend(int to, bool sendIfEmpty)
    {
        var pr = _progress[to];
        if (pr.IsPaused) return false;

        var prevIndex = pr.Next - 1;
        var prevTerm = _log.Term(prevIndex);
        if (prevTerm < 0 || pr.Next < _log.FirstIndex)
        {
            return SendSnapshot(to, pr);
        }

        var entries = _log.Slice(pr.Next, _log.LastIndex, _options.MaxMessageBytes);
        if (entries.Length == 0 && !sendIfEmpty) return false;

        Send(new Message
        {
            Type = MessageType.Append,
            To = to,
            Index = prevIndex,
            LogTerm = prevTerm,
            Entries = entries,
            Commit = _log.Committed,
        });
        if (pr.State == ProgressState.Replicate && entries.Length > 0) pr.SentEntries(entries[^1].Index);
        else if (pr.State == ProgressState.Probe) pr.ProbeSent = true;
        return true;
    }

    private bool SendSnapshot(int to, Progress pr)
    {
        var snapshot = _log.Snapshot;
        if (snapshot is null)
            throw new RaftInvariantException($"follower {to} needs index {pr.Next} but the log starts at {_log.FirstIndex} and there is no snapshot");
        Send(new Message { Type = MessageType.Snapshot, To = to, Snapshot = snapshot });
        pr.BecomeSnapshot(snapshot.Metadata.Index);
        return true;
    }

    private void BroadcastHeartbeat(long readRound)
    {
        foreach (var (id, pr) in _progress)
        {
            if (id == Id) continue;
            // Never tell a follower to commit past what it is known to hold: its log beyond Match may
            // still differ from ours.
            Send(new Message { Type = MessageType.Heartbeat, To = id, Commit = Math.Min(pr.Match, _log.Committed), Context = readRound });
        }
    }

    private void StepLeader(Message m)
    {
        if (!_progress.TryGetValue(m.From, out var pr)) return;
        switch (m.Type)
        {
            case MessageType.AppendResponse:
                pr.RecentActive = true;
                pr.TicksSinceAppendResponse = 0;
                if (m.Reject) HandleAppendRejected(m, pr);
                else HandleAppendAccepted(m, pr);
                break;
            case MessageType.HeartbeatResponse:
                pr.RecentActive = true;
                pr.ProbeSent = false;
                if (m.Index < pr.Match)
                {
                    // The follower's log ends before what it once acknowledged: it lost entries it had
                    // reported durable (a torn tail cut at restart after a disk that lied about an fsync, a
                    // restored backup). Its old acknowledgements still count for what is committed, but
                    // it needs the entries again; without this it would wait for them forever.
                    pr.ResetMatch(m.Index);
                }
                if (pr.Match < _log.LastIndex) SendAppend(m.From, sendIfEmpty: pr.State == ProgressState.Probe);
                if (m.Context != 0) ReleaseReads(_readIndex.Acknowledge(m.From, m.Context, Config.Voters));
                break;
        }
    }

    private void HandleAppendRejected(Message m, Progress pr)
    {
        // Fast back-off (thesis §5.3): the follower told us its term at the conflict point; skip every
        // entry of ours with a higher term in one step instead of one index per round trip.
        var next = m.RejectHint;
        if (m.LogTerm > 0) next = _log.FindConflictByTerm(m.RejectHint, m.LogTerm);
        if (pr.MaybeDecreaseTo(m.Index, next))
        {
            if (pr.State == ProgressState.Replicate) pr.BecomeProbe();
            SendAppend(m.From, sendIfEmpty: true);
        }
    }

    private void HandleAppendAccepted(Message m, Progress pr)
    {
        var wasPaused = pr.IsPaused;
        if (!pr.MaybeUpdate(m.Index))
        {
            if (wasPaused && !pr.IsPaused) SendAppend(m.From, sendIfEmpty: false);
            return;
        }
        switch (pr.State)
        {
            case ProgressState.Probe:
                pr.BecomeReplicate();
                break;
            case ProgressState.Snapshot when pr.Match >= pr.PendingSnapshot:
                pr.BecomeProbe();
                pr.BecomeReplicate();
                break;
            case ProgressState.Replicate:
                pr.Inflights.FreeUpTo(m.Index);
                break;
        }
        if (MaybeCommit())
        {
            _broadcastPending = true;
            ReleasePendingReads();
        }
        // Keep the pipeline full.
        while (SendAppend(m.From, sendIfEmpty: false)) { }
        if (m.From == _transferTarget && pr.Match == _log.LastIndex) SendTimeoutNow(m.From);
    }

    /// <summary>
    /// Advances the commit index to the highest index stored on a majority, but only if that entry is
    /// from the current term. Raft §5.4.2 and Figure 8: counting replicas of an older term's entry
    /// can commit something a later leader overwrites; its own-term entries commit the older ones.
    /// </summary>
    private bool MaybeCommit()
    {
        var index = Quorum.CommittedIndex(Config.Voters, id => _progress.TryGetValue(id, out var p) ? p.Match : 0);
        if (index <= _log.Committed || _log.Term(index) != Term) return false;
        foreach (var e in _log.Slice(_log.Committed + 1, index)) _uncommittedBytes -= e.Size;
        if (_uncommittedBytes < 0) _uncommittedBytes = 0;
        _log.CommitTo(index);
        _commitBroadcastPending = true;
        return true;
    }

    private void StepFollower(Message m)
    {
        switch (m.Type)
        {
            case MessageType.Append:
                _electionElapsed = 0;
                LeaderId = m.From;
                HandleAppend(m);
                break;
            case MessageType.Heartbeat:
                _electionElapsed = 0;
                LeaderId = m.From;
                _log.CommitTo(Math.Min(m.Commit, _log.LastIndex));
                Send(new Message { Type = MessageType.HeartbeatResponse, To = m.From, Context = m.Context, Index = _log.LastIndex });
                break;
            case MessageType.Snapshot:
                _electionElapsed = 0;
                LeaderId = m.From;
                HandleSnapshot(m);
                break;
            case MessageType.TimeoutNow:
                HandleTimeoutNow(m);
                break;
        }
    }

    /// <summary>The follower side of AppendEntries (Raft §5.3, Figure 2 receiver rules 2–5).</summary>
    private void HandleAppend(Message m)
    {
        if (m.Index < _log.Committed)
        {
            // Everything up to our commit index already matches the leader (Leader Completeness):
            // an old, reordered append. Tell the leader where we are.
            Send(new Message { Type = MessageType.AppendResponse, To = m.From, Index = _log.Committed });
            return;
        }
        var lastNew = _log.MaybeAppend(m.Index, m.LogTerm, m.Commit, m.Entries);
        if (lastNew >= 0)
        {
            Send(new Message { Type = MessageType.AppendResponse, To = m.From, Index = lastNew });
            return;
        }
        // Consistency check failed. Hint where to retry: the last index at or before prevLogIndex whose
        // term is no greater than the leader's prevLogTerm, and our term there.
        var hintIndex = _log.FindConflictByTerm(Math.Min(m.Index, _log.LastIndex), m.LogTerm);
        Send(new Message
        {
            Type = MessageType.AppendResponse,
            To = m.From,
            Index = m.Index,
            Reject = true,
            RejectHint = hintIndex,
            LogTerm = Math.Max(_log.Term(hintIndex), 0),
        });
    }

    /// <summary>InstallSnapshot (Raft §7): replace our log with the leader's snapshot unless we already have it.</summary>
    private void HandleSnapshot(Message m)
    {
        var snapshot = m.Snapshot ?? throw new RaftInvariantException("snapshot message without a snapshot");
        var meta = snapshot.Metadata;
        if (meta.Index <= _log.Committed)
        {
            Send(new Message { Type = MessageType.AppendResponse, To = m.From, Index = _log.Committed });
            return;
        }
        if (_log.MatchTerm(meta.Index, meta.Term))
        {
            // "If existing log entry has same index and term as snapshot's last included entry, retain log
            // entries following it": we only learn that everything up to it is committed. Acknowledge only
            // up to the snapshot point: the entries we keep after it may be from a deposed leader and differ
            // from the leader's, and an ack past it would let the leader count us for entries we lack.
            _log.CommitTo(meta.Index);
            Send(new Message { Type = MessageType.AppendResponse, To = m.From, Index = meta.Index });
            return;
        }
        _log.Restore(snapshot);
        Config = meta.Config;
        Send(new Message { Type = MessageType.AppendResponse, To = m.From, Index = _log.LastIndex });
    }
}
