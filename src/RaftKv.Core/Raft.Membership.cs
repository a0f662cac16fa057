using RaftKv.Core.Tracking;

namespace RaftKv.Core;

// Membership changes, one server at a time (thesis §4.1): any majority of the old configuration
// overlaps any majority of the new one, so no joint consensus is needed. A new server joins as a
// learner (thesis §4.2.1), receives the log without voting, and is promoted once caught up.
// A change takes effect when it is applied (as in etcd), and a leader allows only one uncommitted
// change at a time, proposed only after it has committed an entry of its own term (the fix for the
// single-server change bug in the thesis errata).
public sealed partial class Raft
{
    private long _pendingConfigIndex;

    /// <summary>Proposes a membership change. Throws <see cref="ArgumentException"/> for a change that makes no sense.</summary>
    public ProposeResult ProposeConfigChange(ConfigChange change, out long index)
    {
        index = 0;
        if (Role != Role.Leader) return ProposeResult.NotLeader;
        if (_transferTarget != NodeIds.None) return ProposeResult.TransferInProgress;
        if (_pendingConfigIndex > _log.Applied || !CommittedInCurrentTerm()) return ProposeResult.ConfigChangePending;
        switch (change.Type)
        {
            case ConfigChangeType.AddLearner when Config.Contains(change.NodeId):
                throw new ArgumentException($"node {change.NodeId} is already a member");
            case ConfigChangeType.PromoteToVoter when !Config.IsLearner(change.NodeId):
                throw new ArgumentException($"node {change.NodeId} is not a learner; add it as a learner first");
            case ConfigChangeType.Remove when !Config.Contains(change.NodeId):
                throw new ArgumentException($"node {change.NodeId} is not a member");
            case ConfigChangeType.Remove when Config.Voters is [var only] && only == change.NodeId:
                throw new ArgumentException("cannot remove the last voter");
        }
        index = AppendOwnEntry(EntryType.ConfigChange, change.Encode());
        _pendingConfigIndex = index;
        return ProposeResult.Accepted;
    }

    private void ApplyConfigChange(ConfigChange change)
    {
        Config = change.ApplyTo(Config);
        if (Role != Role.Leader) return;
        if (!Config.Contains(Id))
        {
            // We removed ourselves: stop leading; the others elect a new leader among themselves.
            BecomeFollower(Term, NodeIds.None);
            return;
        }
        foreach (var member in Config.Members)
            if (!_progress.ContainsKey(member))
                _progress[member] = new Progress(_log.LastIndex + 1, _options.MaxInflightMessages) { RecentActive = true };
        foreach (var id in _progress.Keys.ToList())
        {
            if (Config.Contains(id)) continue;
            TellRemovedMember(id, _progress[id]);
            _progress.Remove(id);
        }
        if (_transferTarget != NodeIds.None && !Config.IsVoter(_transferTarget)) AbortLeadershipTransfer();
        // A smaller quorum may commit more right away.
        if (MaybeCommit()) _broadcastPending = true;
    }

    /// <summary>
    /// Once a member's removal is applied the leader stops replicating to it, so without a last message it would
    /// never learn that its removal committed: it would sit in the old configuration, believing itself a member.
    /// One final append (or heartbeat, when it already holds the entries) carries the commit index through the
    /// removal, so the removed node applies it, knows it is out, and says so. Best effort: if this message is
    /// lost the node stays harmless (it cannot win an election without the remaining members' votes).
    /// </summary>
    private void TellRemovedMember(int id, Progress pr)
    {
        var committed = _log.Committed;
        if (pr.Match >= committed)
        {
            Send(new Message { Type = MessageType.Heartbeat, To = id, Commit = committed });
            return;
        }
        var prevTerm = _log.Term(pr.Match);
        if (prevTerm < 0 || pr.Match + 1 < _log.FirstIndex) return; // it would need a snapshot: not worth it for a leaver
        Send(new Message
        {
            Type = MessageType.Append,
            To = id,
            Index = pr.Match,
            LogTerm = prevTerm,
            Entries = _log.Slice(pr.Match + 1, committed, _options.MaxMessageBytes),
            Commit = committed,
        });
    }
}
