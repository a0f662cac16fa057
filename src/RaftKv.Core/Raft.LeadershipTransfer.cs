using RaftKv.Core.Tracking;

namespace RaftKv.Core;

// Leadership transfer (thesis §3.10): the leader stops accepting proposals, brings the target's log
// up to date, then sends it TimeoutNow so it campaigns at once, without waiting for its election
// timeout. Voters grant such a campaign even inside their leader lease. If the transfer does not
// finish within an election timeout, the leader resumes normal operation.
public sealed partial class Raft
{
    private int _transferTarget = NodeIds.None;

    /// <summary>The member leadership is being handed to, or <see cref="NodeIds.None"/>.</summary>
    public int TransferTarget => _transferTarget;

    /// <summary>Starts handing leadership to <paramref name="target"/>. Returns false when that is not possible.</summary>
    public bool TransferLeadership(int target)
    {
        if (Role != Role.Leader || target == Id || !Config.IsVoter(target)) return false;
        if (_transferTarget == target) return true;
        _transferTarget = target;
        // The transfer must complete within an election timeout or it is abandoned (TickLeader).
        _electionElapsed = 0;
        var pr = _progress[target];
        if (pr.Match == _log.LastIndex) SendTimeoutNow(target);
        else SendAppend(target, sendIfEmpty: true);
        return true;
    }

    /// <summary>The follower with the longest matching log (the best transfer target), or None.</summary>
    public int MostUpToDateFollower()
    {
        var best = NodeIds.None;
        long bestMatch = -1;
        foreach (var voter in Config.Voters)
        {
            if (voter == Id || !_progress.TryGetValue(voter, out var pr)) continue;
            if (pr.Match > bestMatch || (pr.Match == bestMatch && pr.RecentActive))
            {
                best = voter;
                bestMatch = pr.Match;
            }
        }
        return best;
    }

    private void SendTimeoutNow(int to) => Send(new Message { Type = MessageType.TimeoutNow, To = to });

    private void AbortLeadershipTransfer() => _transferTarget = NodeIds.None;

    private void HandleTimeoutNow(Message m)
    {
        // A TimeoutNow may reach us after our own removal was committed (the leader sent it before): the
        // same campaign rule as an election timeout applies (CanCampaign).
        if (!CanCampaign) return;
        // Skip PreVote: the leader asked us to take over, and its followers must not refuse because
        // they heard from it recently.
        BecomeCandidate(transfer: true);
    }
}
