using RaftKv.Core.Tracking;

namespace RaftKv.Core;

// Leader election: Raft §5.2 (randomized timeouts, one vote per term), §5.4.1 (election
// restriction), thesis §9.6 (PreVote) and §6.2 (CheckQuorum and the leader lease on votes).
public sealed partial class Raft
{
    private readonly Dictionary<int, bool> _votes = [];

    private void TickElection()
    {
        _electionElapsed++;
        if ((Promotable || IsStrandedLeaver) && _electionElapsed >= _randomizedElectionTimeout)
        {
            _electionElapsed = 0;
            StartElection();
        }
    }

    /// <summary>Starts an election now, as if the election timeout had fired (PreVote first when enabled).</summary>
    public void Campaign() => StartElection();

    private void StartElection()
    {
        if (Role == Role.Leader || !CanCampaign) return;
        // A stranded leaver always asks for pre-votes first, even with PreVote off: it cannot win while a voter
        // holds a longer log, and raising the term with every attempt took the votes the voters needed to elect one
        // of their own (simulator seed 75214065: no PreVote, a fast clock, a livelock).
        if (_options.PreVote || IsStrandedLeaver) BecomePreCandidate();
        else BecomeCandidate(transfer: false);
    }

    /// <summary>
    /// The one rule every campaign path checks (election timeout, <see cref="Campaign"/> and TimeoutNow;
    /// a pre-candidate only becomes a candidate in the same configuration, which cannot change while it
    /// campaigns because only a leader's messages advance the commit index): only a voter of the current configuration campaigns, and
    /// only once it has applied every membership change it knows to be committed. Config changes when an
    /// entry is applied, so a node whose own removal is committed but not yet applied still looks like a
    /// voter to itself; campaigning then could make it leader of a configuration it is no longer part of
    /// (etcd's raft refuses to campaign with pending configuration changes for the same reason).
    /// </summary>
    private bool CanCampaign => (Promotable && !HasUnappliedConfigChange()) || IsStrandedLeaver;

    /// <summary>
    /// A node that applied its own removal but holds entries it does not know to be committed may still be needed,
    /// as thesis §4.2.2 has it ("a server that is not part of its own latest configuration should still start new
    /// elections, as it might still be needed until the Cnew entry is committed"). Simulator seed 74203318: node 0
    /// led, applied its removal and handed over to node 2, which had not yet learned that the removal committed;
    /// node 2 won term 6 with node 0's vote, sent its no-op to node 0, and crashed before that no-op was durable on
    /// its own disk. Node 2 still counted node 0 as a voter, and node 0, whose log was now longer, refused it its
    /// vote, while node 0 itself no longer campaigned: no leader, ever. Such a node campaigns again, counting the
    /// voters of its configuration and not itself; if it wins it leads only to hand over (<see cref="BecomeLeader"/>).
    /// It always campaigns with PreVote (<see cref="StartElection"/>), and the leader lease keeps it from disturbing
    /// a cluster that has a leader; once it knows its log is committed it stops.
    /// </summary>
    private bool IsStrandedLeaver => !Config.Contains(Id) && _log.LastIndex > _log.Committed;

    private bool HasUnappliedConfigChange()
    {
        if (_log.Committed <= _log.Applied) return false;
        foreach (var e in _log.Slice(_log.Applied + 1, _log.Committed))
            if (e.Type == EntryType.ConfigChange) return true;
        return false;
    }

    private void BecomePreCandidate()
    {
        // PreVote does not change the term or the vote: a node that cannot win (partitioned, or with a
        // stale log) never forces the cluster into a higher term.
        _votes.Clear();
        _progress.Clear();
        _readIndex.Clear();
        _pendingReads.Clear();
        AbortLeadershipTransfer();
        LeaderId = NodeIds.None;
        ResetRandomizedElectionTimeout();
        Role = Role.PreCandidate;
        RequestVotes(MessageType.PreVote, Term + 1, transfer: false);
    }

    private void BecomeCandidate(bool transfer)
    {
        Reset(Term + 1);
        Vote = Id;
        Role = Role.Candidate;
        RequestVotes(MessageType.Vote, Term, transfer);
    }

    private void RequestVotes(MessageType type, long term, bool transfer)
    {
        // Our own vote first: a single-voter cluster wins with it alone, but only once that vote is durable. Other
        // voters' votes can only come after it is (a Ready that changes term or vote sends nothing before), so
        // this is the one way to lead a term this node could still forget: crash, restart in the term before,
        // and lead "the same" term again with another log (simulator seed 73054861, disk full, one voter).
        if (RecordVote(Id, granted: true) == VoteResult.Won)
        {
            if (type == MessageType.Vote && _durableTermVote != (Term, Id)) _wonOnceDurable = true;
            else OnElectionWon(type);
            return;
        }
        foreach (var voter in Config.Voters)
        {
            if (voter == Id) continue;
            Send(new Message
            {
                Type = type,
                To = voter,
                Term = term,
                Index = _log.LastIndex,
                LogTerm = _log.LastTerm,
                LeaderTransfer = transfer,
            });
        }
    }

    /// <summary>A single-voter election won by our own vote, which is not yet durable (<see cref="Persisted"/> completes it).</summary>
    private bool _wonOnceDurable;

    private VoteResult RecordVote(int from, bool granted)
    {
        _votes.TryAdd(from, granted);
        return Quorum.Tally(Config.Voters, _votes);
    }

    private void OnElectionWon(MessageType type)
    {
        if (type == MessageType.PreVote) BecomeCandidate(transfer: false);
        else BecomeLeader();
    }

    /// <summary>
    /// True while we have heard from a leader within the (non-randomized) election timeout: vote and pre-vote
    /// requests of a newer term are then ignored (thesis §4.2.3 and §6.2). Public so the replica's log can say so.
    /// As the dissertation has it, whether or not CheckQuorum is on (etcd ties it to CheckQuorum): without it, a
    /// removed server that never learned of its removal, campaigning in ever higher terms, deposed every leader
    /// through a lagging member whose configuration still counted it, and with a slow snapshot link that member
    /// never caught up (simulator seeds 72513963, 73069396; PreVote and CheckQuorum off). Without CheckQuorum a
    /// leader cut off one way keeps its followers in the lease until the cut heals; the product always runs
    /// CheckQuorum.
    /// </summary>
    public bool InLeaderLease() =>
        LeaderId != NodeIds.None && _electionElapsed < _options.ElectionTicks;

    /// <summary>
    /// RequestVote and PreVote (Raft §5.2, §5.4.1). Grant when we have not voted for someone else in
    /// this term (a pre-vote for a future term commits us to nothing) and the candidate's log is at
    /// least as up-to-date as ours.
    /// </summary>
    private void HandleVoteRequest(Message m)
    {
        var responseType = m.Type == MessageType.Vote ? MessageType.VoteResponse : MessageType.PreVoteResponse;
        // A node that joined and holds no log yet does not vote: no configuration it knows includes it. A node
        // that was removed still does (as etcd's): a remaining voter that missed the commit of that removal
        // still counts it, and cannot elect anyone without it. Seeds 70136815 and 70152291: a leader removed
        // itself, its last commit broadcast was lost, and the remaining voter campaigned forever.
        var canVote = (Config.Contains(Id) || _log.LastIndex > 0) && (
            Vote == m.From ||
            (Vote == NodeIds.None && LeaderId == NodeIds.None) ||
            (m.Type == MessageType.PreVote && m.Term > Term));
        if (canVote && _log.IsUpToDate(m.Index, m.LogTerm))
        {
            // A granted vote carries the requested term, so the pre-candidate counts it for that term.
            Send(new Message { Type = responseType, To = m.From, Term = m.Term });
            if (m.Type == MessageType.Vote)
            {
                // Granting a vote is the moment a follower gives up on the current leader: restart the
                // timer so we do not compete with the candidate we just helped.
                _electionElapsed = 0;
                Vote = m.From;
            }
        }
        else
        {
            Send(new Message { Type = responseType, To = m.From, Term = Term, Reject = true });
        }
    }

    private void StepCandidate(Message m)
    {
        var myResponse = Role == Role.PreCandidate ? MessageType.PreVoteResponse : MessageType.VoteResponse;
        switch (m.Type)
        {
            case MessageType.Append or MessageType.Heartbeat or MessageType.Snapshot:
                // Someone won this term (§5.2: "If AppendEntries RPC received from new leader: convert to follower").
                BecomeFollower(m.Term, m.From);
                StepFollower(m);
                break;
            case var t when t == myResponse:
                switch (RecordVote(m.From, !m.Reject))
                {
                    case VoteResult.Won:
                        OnElectionWon(Role == Role.PreCandidate ? MessageType.PreVote : MessageType.Vote);
                        break;
                    case VoteResult.Lost:
                        BecomeFollower(Term, NodeIds.None);
                        break;
                }
                break;
        }
    }

    private void BecomeLeader()
    {
        var caretaker = !Config.Contains(Id);
        if (!Config.IsVoter(Id) && !caretaker)
        {
            // CanCampaign keeps learners from campaigning; winning as one would lead a cluster that does not count us.
            throw new RaftInvariantException($"node {Id} won an election in term {Term} but is a learner of {Config}");
        }
        Reset(Term);
        Role = Role.Leader;
        LeaderId = Id;
        foreach (var member in Config.Members.Union([Id]))
        {
            var pr = new Progress(_log.LastIndex + 1, _options.MaxInflightMessages) { RecentActive = true };
            _progress[member] = pr;
        }
        // Our own durable log counts towards commitment; the rest of our log counts once persisted.
        _progress[Id].MaybeUpdate(_log.Stabled);
        // Our log may hold a membership change from an earlier term. Committing it (with the no-op) is not
        // enough: Config changes only when it is applied, and a change judged against the old Config could,
        // say, remove the last voter. So no new change until everything we inherited is applied (as etcd).
        _pendingConfigIndex = _log.LastIndex;
        // Raft §5.4.2 / thesis §6.4: a leader cannot know which earlier entries are committed until it
        // commits an entry of its own term, so it appends a no-op at once.
        AppendOwnEntry(EntryType.NoOp, []);
        // A stranded leaver (IsStrandedLeaver) won: it is not in the configuration it leads, so it leads only to
        // commit what it holds (its no-op, counted by the voters alone) and hand over, as a leader that applied its
        // own removal does.
        if (caretaker) HandOverAfterOwnRemoval();
    }

    private void TickLeader()
    {
        _heartbeatElapsed++;
        _electionElapsed++;
        if (_electionElapsed >= _options.ElectionTicks)
        {
            _electionElapsed = 0;
            if (_options.CheckQuorum && !QuorumRecentlyActive())
            {
                // CheckQuorum (thesis §6.2): we have not heard from a majority for an election timeout,
                // so a newer leader may exist on the other side of a partition. Step down rather than
                // keep accepting writes that can never commit.
                BecomeFollower(Term, NodeIds.None);
                return;
            }
            if (_leavingOffice)
            {
                // Our own removal is applied and the handover did not finish in time: step down anyway.
                BecomeFollower(Term, NodeIds.None);
                return;
            }
            if (_transferTarget != NodeIds.None) AbortLeadershipTransfer(); // the transfer took too long
        }
        if (Role != Role.Leader) return;
        foreach (var (id, pr) in _progress)
        {
            if (id == Id) continue;
            pr.TicksSinceAppendResponse++;
            if (pr.State == ProgressState.Snapshot && pr.TicksSinceAppendResponse >= _options.ElectionTicks)
            {
                // The snapshot (or its reply) was lost; fall back to probing, which resends it.
                pr.BecomeProbe();
            }
            else if (pr.State == ProgressState.Replicate && pr.Inflights.Count > 0 &&
                     pr.TicksSinceAppendResponse >= _options.ElectionTicks)
            {
                // The pipeline went silent (messages lost or a connection dropped): start again from Match.
                pr.BecomeProbe();
                SendAppend(id, sendIfEmpty: true);
            }
        }
        if (_heartbeatElapsed >= _options.HeartbeatTicks)
        {
            _heartbeatElapsed = 0;
            BroadcastHeartbeat(_readIndex.LatestRound);
            if (_leavers.Count > 0) TellLeavers();
            // The successor ignores TimeoutNow until it has applied our removal (CanCampaign), which it may
            // not have when the first one arrives: repeat it with each heartbeat while we hand over.
            if (_leavingOffice && _progress.TryGetValue(_transferTarget, out var successor) && successor.Match == _log.LastIndex)
                SendTimeoutNow(_transferTarget);
        }
    }

    private bool QuorumRecentlyActive()
    {
        var active = 0;
        foreach (var voter in Config.Voters)
        {
            if (voter == Id) { active++; continue; }
            if (_progress.TryGetValue(voter, out var pr) && pr.RecentActive) active++;
        }
        foreach (var (id, pr) in _progress)
            if (id != Id) pr.RecentActive = false;
        return active >= Quorum.Majority(Config.Voters.Length);
    }
}
