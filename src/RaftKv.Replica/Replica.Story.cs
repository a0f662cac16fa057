using RaftKv.Core;

namespace RaftKv.Replica;

// The election story in the log (ReplicaLog): votes given and refused with the reason, and why a leader stepped
// down. Reads only what the core publishes; decides nothing.
public sealed partial class Replica
{
    /// <summary>The node an operator or a shutdown last asked to take over, to tell a handover from a lost election.</summary>
    private int _handoverTarget = NodeIds.None;

    /// <summary>A message leaving this node: a vote decision is worth a line.</summary>
    private void TellOutgoing(Message m)
    {
        if (m.Type is not (MessageType.VoteResponse or MessageType.PreVoteResponse)) return;
        var pre = m.Type == MessageType.PreVoteResponse;
        if (!m.Reject)
        {
            if (pre) ReplicaLog.PreVoted(_log, m.To, m.Term);
            else ReplicaLog.Voted(_log, m.To, m.Term);
            return;
        }
        ReplicaLog.Refused(_log, pre ? "a pre-vote" : "its vote", m.To, m.Term, RefusalReason(m.To));
    }

    /// <summary>
    /// Why the core refused (Raft §5.2, §5.4.1, thesis §6.2): in the order it checks — a vote already given this
    /// term, a leader it still hears from (the lease), else the candidate's log is behind.
    /// </summary>
    private string RefusalReason(int candidate)
    {
        if (_raft.Vote != NodeIds.None && _raft.Vote != candidate) return $"already voted for node {_raft.Vote} in term {_raft.Term}";
        if (_raft.LeaderId != NodeIds.None && _raft.LeaderId != candidate) return $"node {_raft.LeaderId} still leads term {_raft.Term}";
        return $"its log is behind this node's (last entry: term {_raft.LastTerm}, index {_raft.LastIndex})";
    }

    /// <summary>A message arriving: a refused vote request of ours is worth a line (split votes show this way).</summary>
    private void TellIncoming(Message m)
    {
        if (m.Type is not (MessageType.VoteResponse or MessageType.PreVoteResponse) || !m.Reject) return;
        if (_raft.Role is not (Role.Candidate or Role.PreCandidate)) return;
        ReplicaLog.RefusedUs(_log, m.From, m.Type == MessageType.PreVoteResponse ? "pre-vote" : "vote", m.Type == MessageType.PreVoteResponse ? _raft.Term + 1 : _raft.Term);
    }

    /// <summary>Role, term and leader changes as log lines, with the reason of a step-down and of an election without winner.</summary>
    private void TellSoftState(ReplicaView before, SoftState soft)
    {
        if (soft.Term != before.Term) ReplicaLog.TermBegan(_log, soft.Term);
        if (soft.Role != before.Role)
        {
            switch (soft.Role)
            {
                case Role.Leader:
                    ReplicaLog.BecameLeader(_log, soft.Term);
                    break;
                case Role.Candidate:
                    ReplicaLog.BecameCandidate(_log, soft.Term);
                    break;
                case Role.PreCandidate:
                    if (before.Role == Role.Candidate) ReplicaLog.NoWinner(_log, before.Term);
                    ReplicaLog.PreVoting(_log, soft.Term + 1);
                    break;
                default:
                    ReplicaLog.BecameFollower(_log, soft.Term);
                    break;
            }
        }
        else if (soft.Role == Role.Candidate && soft.Term > before.Term)
        {
            ReplicaLog.NoWinner(_log, before.Term);
        }
        if (before.Role == Role.Leader && soft.Role != Role.Leader) ReplicaLog.SteppedDown(_log, before.Term, StepDownReason(before, soft));
        if (soft.LeaderId != before.LeaderId && soft.LeaderId != NodeIds.None && soft.LeaderId != Id)
            ReplicaLog.LeaderIs(_log, soft.LeaderId, AddressOf(soft.LeaderId), soft.Term);
    }

    private string StepDownReason(ReplicaView before, SoftState soft)
    {
        var handover = _handoverTarget;
        _handoverTarget = NodeIds.None;
        if (!_raft.Config.IsVoter(Id)) return "removed from the cluster's configuration";
        if (soft.Term > before.Term && handover != NodeIds.None) return $"handed leadership to node {handover}, which started term {soft.Term}";
        if (soft.Term > before.Term) return $"saw term {soft.Term}, newer than its own (a node that could not hear it campaigned)";
        return "lost contact with a majority of voters for an election timeout (CheckQuorum)";
    }
}
