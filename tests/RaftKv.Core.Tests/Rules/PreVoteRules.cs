namespace RaftKv.Core.Tests.Rules;

/// <summary>PreVote (Raft thesis §9.6): a node that cannot win an election never raises anyone's term.</summary>
public sealed class PreVoteRules
{
    private static readonly int[] Three = [1, 2, 3];

    [Fact]
    public void PreVote_does_not_increment_term()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        var term = net[1].Raft.Term;
        net.Isolate(3);
        var sentBefore = net.Sent.Count;

        net.TickAll(10 * 20); // ten of the longest election timeouts

        net[3].Raft.Role.Should().Be(Role.PreCandidate, "it keeps asking whether it could win");
        net[3].Raft.Term.Should().Be(term);
        net[3].Raft.Vote.Should().Be(net[3].Storage.HardState.Vote);
        net.Sent.Skip(sentBefore).Where(m => m.From == 3).Should().OnlyContain(m => m.Type == MessageType.PreVote && m.Term == term + 1);
    }

    [Fact]
    public void Partitioned_node_rejoining_does_not_disrupt_leader()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);
        var term = leader.Raft.Term;
        net.Isolate(3);
        net.TickAll(10 * 20);

        net.Heal();
        net.TickAll(3 * 20);

        leader.Raft.Role.Should().Be(Role.Leader);
        leader.Raft.Term.Should().Be(term);
        net.Nodes.Should().OnlyContain(n => n.Raft.Term == term && n.Raft.LeaderId == 1);
    }

    [Fact]
    public void PreVote_is_rejected_for_candidate_with_stale_log()
    {
        var voter = Build.Node(1, Three, [1, 1, 2], term: 2).Raft;

        voter.Step(new Message { Type = MessageType.PreVote, From = 2, To = 1, Term = 3, Index = 2, LogTerm = 1 });

        var reply = voter.GetReady().AllMessages.Should().ContainSingle().Subject;
        reply.Should().Match<Message>(m => m.Type == MessageType.PreVoteResponse && m.Reject && m.Term == 2);
        voter.Term.Should().Be(2, "a pre-vote request never changes the voter's term");
        voter.Vote.Should().Be(NodeIds.None);
    }

    [Fact]
    public void PreVote_grant_commits_the_voter_to_nothing()
    {
        var voter = Build.Node(1, Three, [1], term: 1, vote: 3).Raft;

        voter.Step(new Message { Type = MessageType.PreVote, From = 2, To = 1, Term = 2, Index = 1, LogTerm = 1 });

        var reply = voter.GetReady().AllMessages.Should().ContainSingle().Subject;
        reply.Should().Match<Message>(m => m.Type == MessageType.PreVoteResponse && !m.Reject && m.Term == 2);
        voter.Term.Should().Be(1);
        voter.Vote.Should().Be(3, "its real vote for this term is untouched");
    }

    [Fact]
    public void Node_with_stale_log_fails_prevote_without_raising_anyones_term()
    {
        // Node 1 missed entry 2; nodes 2 and 3 have it. No leader is alive.
        var net = new Network(
            Build.Node(1, Three, [1], term: 1),
            Build.Node(2, Three, [1, 1], term: 1),
            Build.Node(3, Three, [1, 1], term: 1));

        net[1].Raft.Campaign();
        net.Stabilize();

        net[1].Raft.Role.Should().Be(Role.Follower);
        net.Nodes.Should().OnlyContain(n => n.Raft.Term == 1);
        net.Sent.Should().NotContain(m => m.Type == MessageType.Vote);
    }

    [Fact]
    public void Precandidate_that_wins_prevote_campaigns_in_the_next_term()
    {
        var net = Network.OfSize(3);

        net[1].Raft.Campaign();
        net.Stabilize();

        net[1].Raft.Role.Should().Be(Role.Leader);
        net[1].Raft.Term.Should().Be(1);
        net.Sent.Should().Contain(m => m.Type == MessageType.PreVote && m.Term == 1);
        net.Sent.Should().Contain(m => m.Type == MessageType.Vote && m.Term == 1);
    }
}
