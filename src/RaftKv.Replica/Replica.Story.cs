using RaftKv.Core;

namespace RaftKv.Replica;

// The election story in the log (ReplicaLog): votes given and refused with the reason, and why a leader stepped
// down. Reads only what the core publishes; decides nothing.
public sealed partial class Replica
{
    /// <summary>The node an operator or a shutdown last asked to take over, to tell a handover from a lost election.</summary>
    private int _handoverTarget = NodeIds.None;

    /// <summary>Why that handover, when it is more than an operator's wish or a shutdown: the leader's own removal.</summary>
    private string? _handoverPurpose;

    /// <summary>Each candidate's last vote or pre-vote request, so that a refusal can say what was asked.</summary>
    private readonly Dictionary<int, Message> _voteRequests = [];

    /// <summary>Leadership is being handed to <paramref name="target"/>, for <paramref name="purpose"/> when that is worth saying.</summary>
    private void NoteHandover(int target, string? purpose = null)
    {
        _handoverTarget = target;
        _handoverPurpose = purpose;
    }

    /// <summary>A message leaving this node: a vote decision is worth a line.</summary>
    private void TellOutgoing(Message m)
    {
        if (m.Type is not (MessageType.VoteResponse or MessageType.PreVoteResponse)) return;
        var pre = m.Type == MessageType.PreVoteResponse;
        if (!m.Reject)
        {
            _voteRequests.Remove(m.To);
            if (pre) ReplicaLog.PreVoted(_log, m.To, m.Term);
            else ReplicaLog.Voted(_log, m.To, m.Term);
            return;
        }
        _voteRequests.Remove(m.To, out var request);
        var term = request?.Term ?? m.Term;
        ReplicaLog.Refused(_log, pre ? "a pre-vote" : "its vote", m.To, term, RefusalReason(m.To, pre, request));
    }

    /// <summary>
    /// Why the core refused (Raft §5.1, §5.2, §5.4.1, thesis §9.6), in the order it checks: this node does not vote,
    /// the request's term is older than ours, a vote already given (or a leader known) in this term (a pre-vote for a
    /// newer term is exempt), else the candidate's log is behind.
    /// </summary>
    private string RefusalReason(int candidate, bool pre, Message? request)
    {
        if (!_raft.Config.Contains(Id)) return "this node is not a member of its own configuration, so it does not vote";
        if (request is not null && request.Term < _raft.Term)
            return $"it asked in term {request.Term}, older than this node's term {_raft.Term}";
        var newerPreVote = pre && request is not null && request.Term > _raft.Term;
        if (!newerPreVote)
        {
            var asked = pre ? $"the pre-vote is not for a term newer than {_raft.Term}, and " : "";
            if (_raft.Vote != NodeIds.None && _raft.Vote != candidate) return $"{asked}this node already voted for node {_raft.Vote} in term {_raft.Term}";
            if (_raft.Vote == NodeIds.None && _raft.LeaderId != NodeIds.None && _raft.LeaderId != candidate)
                return $"{asked}node {_raft.LeaderId} leads term {_raft.Term}";
        }
        var theirs = request is null ? "" : $" (last entry: term {request.LogTerm}, index {request.Index})";
        return $"its log{theirs} is behind this node's (last entry: term {_raft.LastTerm}, index {_raft.LastIndex})";
    }

    /// <summary>A message arriving: a refused vote request of ours is worth a line (split votes show this way).</summary>
    private void TellIncoming(Message m)
    {
        if (m.Type is MessageType.Vote or MessageType.PreVote)
        {
            _voteRequests[m.From] = m;
            // The core drops such a request without an answer (CheckQuorum's leader lease): say so here, as it will not.
            if (m.Term > _raft.Term && !m.LeaderTransfer && _raft.InLeaderLease())
            {
                var leader = _raft.LeaderId == Id ? "this node" : $"node {_raft.LeaderId}";
                ReplicaLog.IgnoredInLease(_log, m.Type == MessageType.PreVote ? "a pre-vote" : "a vote", m.From, m.Term, leader, _raft.Term);
            }
        }
        if (m.Type is not (MessageType.VoteResponse or MessageType.PreVoteResponse) || !m.Reject) return;
        // Only an answer to the campaign under way: a late answer to an earlier pre-vote (or vote) would name a wrong term.
        var pre = m.Type == MessageType.PreVoteResponse;
        if (_raft.Role != (pre ? Role.PreCandidate : Role.Candidate)) return;
        ReplicaLog.RefusedUs(_log, m.From, pre ? "pre-vote" : "vote", pre ? _raft.Term + 1 : _raft.Term);
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
        var purpose = _handoverPurpose;
        _handoverTarget = NodeIds.None;
        _handoverPurpose = null;
        if (!_raft.Config.IsVoter(Id)) return "removed from the cluster's configuration";
        if (soft.Term > before.Term && handover != NodeIds.None)
            return $"handed leadership to node {handover}, which started term {soft.Term}{(purpose is null ? "" : $" and {purpose}")}";
        if (soft.Term > before.Term) return $"saw term {soft.Term}, newer than its own (a node that could not hear it campaigned)";
        return "lost contact with a majority of voters for an election timeout (CheckQuorum)";
    }
}
