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

    /// <summary>Members whose removal this leader applied: their last known match, and heartbeats left to tell them.</summary>
    private readonly Dictionary<int, (long Match, int TicksLeft)> _leavers = [];

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

    /// <summary>True while a leader that applied its own removal hands over (<see cref="HandOverAfterOwnRemoval"/>).</summary>
    private bool _leavingOffice;

    private void ApplyConfigChange(ConfigChange change)
    {
        Config = change.ApplyTo(Config);
        if (Role != Role.Leader) return;
        if (!Config.Contains(Id))
        {
            HandOverAfterOwnRemoval();
            return;
        }
        foreach (var member in Config.Members)
            if (!_progress.ContainsKey(member))
                _progress[member] = new Progress(_log.LastIndex + 1, _options.MaxInflightMessages) { RecentActive = true };
        foreach (var id in _progress.Keys.ToList())
        {
            if (Config.Contains(id)) continue;
            // Told now, and again with each heartbeat for an election timeout (TellLeavers): one message may be lost.
            _leavers[id] = (_progress[id].Match, 2 * _options.ElectionTicks);
            TellRemovedMember(id, _progress[id].Match);
            _progress.Remove(id);
        }
        if (_transferTarget != NodeIds.None && !Config.IsVoter(_transferTarget)) AbortLeadershipTransfer();
        // A smaller quorum may commit more right away.
        if (MaybeCommit()) _broadcastPending = true;
    }

    /// <summary>
    /// We applied our own removal while leading (a change an earlier leader proposed and we inherited; the replica
    /// never proposes the leader's own removal). Stepping down at once can strand the remaining voters: one that
    /// missed this commit still counts us as a voter, and may lack entries only we hold, so it can be elected by no
    /// one (simulator seeds 70136815, 70152291). So we stay leader just long enough to hand over, as a leadership
    /// transfer: no proposals, appends and heartbeats go on (they carry the commit of our removal), and the most
    /// up-to-date voter gets TimeoutNow once it holds our whole log. Its election ends our term. If that does not
    /// happen within an election timeout, we step down anyway (TickLeader). We never count ourselves again: commit
    /// and CheckQuorum use the new configuration.
    /// </summary>
    private void HandOverAfterOwnRemoval()
    {
        _leavingOffice = true;
        var successor = MostUpToDateFollower();
        if (successor == NodeIds.None || !TransferLeadership(successor))
        {
            BecomeFollower(Term, NodeIds.None);
            return;
        }
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
    private void TellRemovedMember(int id, long match)
    {
        var committed = _log.Committed;
        if (match >= committed)
        {
            Send(new Message { Type = MessageType.Heartbeat, To = id, Commit = committed });
            return;
        }
        var prevTerm = _log.Term(match);
        if (prevTerm < 0 || match + 1 < _log.FirstIndex) return; // it would need a snapshot: not worth it for a leaver
        Send(new Message
        {
            Type = MessageType.Append,
            To = id,
            Index = match,
            LogTerm = prevTerm,
            Entries = _log.Slice(match + 1, committed, _options.MaxMessageBytes),
            Commit = committed,
        });
    }

    /// <summary>
    /// A member we just removed answered the news of its removal: where its log matches ours, so the next repeat
    /// (<see cref="TellLeavers"/>) starts there. Without it a leader elected just before the removal, still holding
    /// match 0 for that member, repeated an append from index 0, which the member (its commit index further on)
    /// takes for an old, reordered append and answers without learning anything: it never applied its removal
    /// (MembershipTests, about one run in twelve under load).
    /// </summary>
    private void HearFromLeaver(Message m)
    {
        if (!_leavers.TryGetValue(m.From, out var leaver)) return;
        var match = m.Reject ? Math.Min(leaver.Match, m.RejectHint) : Math.Max(leaver.Match, m.Index);
        _leavers[m.From] = (match, leaver.TicksLeft);
    }

    /// <summary>With each heartbeat, repeats the news of their removal to members removed within the last two election timeouts.</summary>
    private void TellLeavers()
    {
        foreach (var (id, (match, left)) in _leavers.ToList())
        {
            if (left <= 0 || Config.Contains(id))
            {
                _leavers.Remove(id);
                continue;
            }
            _leavers[id] = (match, left - _options.HeartbeatTicks);
            TellRemovedMember(id, match);
        }
    }
}
