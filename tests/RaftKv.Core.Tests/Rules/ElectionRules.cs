namespace RaftKv.Core.Tests.Rules;

/// <summary>Leader election: Raft §5.2 and the election restriction of §5.4.1.</summary>
public sealed class ElectionRules
{
    private static readonly int[] Three = [1, 2, 3];

    [Fact]
    public void Follower_becomes_precandidate_after_election_timeout()
    {
        var node = Build.FreshNode(1, Three).Raft;

        var ticks = 0;
        while (node.Role == Role.Follower && ticks < 100)
        {
            node.Tick();
            ticks++;
        }

        ticks.Should().BeInRange(10, 19, "the timeout is drawn from [ElectionTicks, 2*ElectionTicks)");
        node.Role.Should().Be(Role.PreCandidate);
        node.Term.Should().Be(0, "a pre-candidate asks before it raises its term");
        var ready = node.GetReady();
        ready.AllMessages.Should().HaveCount(2).And.OnlyContain(m => m.Type == MessageType.PreVote && m.Term == 1);
        ready.AllMessages.Select(m => m.To).Should().BeEquivalentTo([2, 3]);
    }

    [Fact]
    public void Election_timeouts_are_randomized_between_one_and_two_election_timeouts()
    {
        var timeouts = new List<int>();
        for (var seed = 0; seed < 40; seed++)
        {
            var node = Build.FreshNode(1, Three, seed: seed).Raft;
            // Several consecutive timeouts of the same node: each campaign draws a new one.
            var sinceLast = 0;
            for (var tick = 0; tick < 100; tick++)
            {
                node.Tick();
                sinceLast++;
                var ready = node.GetReady();
                node.Advance(ready);
                if (ready.AllMessages.Any(m => m.Type == MessageType.PreVote))
                {
                    timeouts.Add(sinceLast);
                    sinceLast = 0;
                }
            }
        }

        timeouts.Should().HaveCountGreaterThan(100).And.OnlyContain(t => t >= 10 && t < 20);
        timeouts.Distinct().Should().HaveCountGreaterThan(5, "different seeds and campaigns draw different timeouts");
    }

    [Fact]
    public void Nodes_with_different_seeds_time_out_at_different_ticks()
    {
        var firstTimeouts = Enumerable.Range(0, 20).Select(seed =>
        {
            var node = Build.FreshNode(1, Three, seed: seed).Raft;
            var ticks = 0;
            while (node.Role == Role.Follower) { node.Tick(); ticks++; }
            return ticks;
        }).ToArray();

        firstTimeouts.Distinct().Should().HaveCountGreaterThan(3);
    }

    [Theory]
    [InlineData(new long[] { 1, 1, 2 }, 5, 1L)] // candidate's last term is older, even though its log is longer
    [InlineData(new long[] { 1, 2, 2 }, 2, 2L)] // same last term, candidate's log is shorter
    public void Candidate_with_stale_log_is_denied_vote(long[] voterLog, long candidateLastIndex, long candidateLastTerm)
    {
        var voter = Build.Node(1, Three, voterLog, term: 2).Raft;

        voter.Step(new Message { Type = MessageType.Vote, From = 2, To = 1, Term = 3, Index = candidateLastIndex, LogTerm = candidateLastTerm });

        var ready = voter.GetReady();
        ready.AllMessages.Should().ContainSingle().Which.Should().Match<Message>(m =>
            m.Type == MessageType.VoteResponse && m.To == 2 && m.Reject);
        voter.Vote.Should().Be(NodeIds.None);
        voter.Term.Should().Be(3, "a vote request of a higher term still moves our term (§5.1)");
    }

    [Theory]
    [InlineData(3, 2L)] // same last term, same length
    [InlineData(4, 2L)] // same last term, longer
    [InlineData(1, 3L)] // newer last term, shorter
    public void Candidate_with_up_to_date_log_is_granted_vote(long candidateLastIndex, long candidateLastTerm)
    {
        var voter = Build.Node(1, Three, [1, 2, 2], term: 2).Raft;

        voter.Step(new Message { Type = MessageType.Vote, From = 2, To = 1, Term = 3, Index = candidateLastIndex, LogTerm = candidateLastTerm });

        voter.GetReady().AllMessages.Should().ContainSingle().Which.Reject.Should().BeFalse();
        voter.Vote.Should().Be(2);
    }

    [Fact]
    public void Node_grants_at_most_one_vote_per_term()
    {
        var voter = Build.FreshNode(1, Three).Raft;
        Message VoteRequest(int from) => new() { Type = MessageType.Vote, From = from, To = 1, Term = 1 };

        voter.Step(VoteRequest(2));
        voter.Step(VoteRequest(3));
        voter.Step(VoteRequest(2)); // a retransmission from the candidate we chose

        var responses = voter.GetReady().AllMessages;
        responses.Should().HaveCount(3);
        responses[0].Should().Match<Message>(m => m.To == 2 && !m.Reject);
        responses[1].Should().Match<Message>(m => m.To == 3 && m.Reject);
        responses[2].Should().Match<Message>(m => m.To == 2 && !m.Reject, "the same candidate may ask again");
        voter.Vote.Should().Be(2);
    }

    [Fact]
    public void Vote_is_persisted_before_vote_response_is_sent()
    {
        var voter = Build.FreshNode(1, Three).Raft;

        voter.Step(new Message { Type = MessageType.Vote, From = 2, To = 1, Term = 1 });

        // The driver persists a Ready before sending its messages: the vote must be in the same Ready.
        var ready = voter.GetReady();
        ready.AllMessages.Should().ContainSingle(m => m.Type == MessageType.VoteResponse && !m.Reject);
        ready.HardState.Should().Be(new HardState(1, 2, 0));
        ready.MustSync.Should().BeTrue();
    }

    [Fact]
    public void Candidate_persists_its_own_vote_with_its_vote_requests()
    {
        var node = Build.FreshNode(1, Three, o => o with { PreVote = false }).Raft;

        node.Campaign();

        var ready = node.GetReady();
        ready.HardState.Should().Be(new HardState(1, 1, 0));
        ready.AllMessages.Should().HaveCount(2).And.OnlyContain(m => m.Type == MessageType.Vote && m.Term == 1);
    }

    [Fact]
    public void Single_node_cluster_elects_itself()
    {
        var net = new Network(Build.FreshNode(1, [1]));

        var ticks = net.TickUntil(() => net[1].Raft.Role == Role.Leader);

        ticks.Should().BeLessThan(20);
        net[1].Raft.Term.Should().Be(1);
        net[1].Raft.CommitIndex.Should().Be(1, "its no-op commits as soon as it is persisted");
    }

    [Fact]
    public void Candidate_that_wins_a_majority_becomes_leader_and_others_follow()
    {
        var net = Network.OfSize(3);

        net.TickUntil(() => net.HasLeader);
        net.Stabilize();

        var leader = net.Leader;
        net.Nodes.Should().OnlyContain(n => n.Raft.Term == leader.Raft.Term && n.Raft.LeaderId == leader.Id);
        net.Leaders.Should().ContainSingle();
    }

    [Fact]
    public void Split_vote_is_resolved_by_a_later_election()
    {
        var net = Network.OfSize(4, o => o with { PreVote = false });
        // Nodes 1 and 2 campaign at once; 3 only hears 1 and 4 only hears 2: two votes each, no majority of 4.
        net.Cut(1, 4);
        net.Cut(2, 3);

        net[1].Raft.Campaign();
        net[2].Raft.Campaign();
        net.Stabilize();

        net.Leaders.Should().BeEmpty("each candidate has two votes of the three it needs");
        net.Nodes.Should().OnlyContain(n => n.Raft.Term == 1);

        net.Heal();
        net.TickUntil(() => net.HasLeader);
        net.Stabilize();

        net.Leaders.Should().ContainSingle().Which.Raft.Term.Should().BeGreaterThan(1);
    }

    [Fact]
    public void Candidate_steps_down_on_append_from_leader_of_same_term()
    {
        var candidate = Build.FreshNode(1, Three, o => o with { PreVote = false }).Raft;
        candidate.Campaign();
        candidate.Role.Should().Be(Role.Candidate);

        candidate.Step(new Message { Type = MessageType.Append, From = 2, To = 1, Term = 1, Index = 0, LogTerm = 0 });

        candidate.Role.Should().Be(Role.Follower);
        candidate.Term.Should().Be(1);
        candidate.LeaderId.Should().Be(2);
        candidate.Vote.Should().Be(1, "its vote in this term stays cast");
    }

    [Fact]
    public void Precandidate_steps_down_on_heartbeat_from_leader_of_its_term()
    {
        var node = Build.Node(1, Three, [1], term: 1).Raft;
        node.Campaign();
        node.Role.Should().Be(Role.PreCandidate);

        node.Step(new Message { Type = MessageType.Heartbeat, From = 2, To = 1, Term = 1 });

        node.Role.Should().Be(Role.Follower);
        node.LeaderId.Should().Be(2);
    }

    [Fact]
    public void Leader_steps_down_on_message_with_higher_term()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        var term = leader.Term;

        leader.Step(new Message { Type = MessageType.Heartbeat, From = 3, To = 1, Term = term + 1 });

        leader.Role.Should().Be(Role.Follower);
        leader.Term.Should().Be(term + 1);
        leader.LeaderId.Should().Be(3);
    }

    [Fact]
    public void Leader_steps_down_when_a_follower_answers_with_a_higher_term()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        var term = leader.Term;

        leader.Step(new Message { Type = MessageType.AppendResponse, From = 2, To = 1, Term = term + 2, Index = 1 });

        leader.Role.Should().Be(Role.Follower);
        leader.Term.Should().Be(term + 2);
        leader.LeaderId.Should().Be(NodeIds.None);
    }

    [Fact]
    public void Messages_from_an_older_term_change_nothing()
    {
        var node = Build.Node(1, Three, [1, 2], term: 3).Raft;

        node.Step(new Message { Type = MessageType.Vote, From = 2, To = 1, Term = 2, Index = 9, LogTerm = 2 });
        node.Step(new Message { Type = MessageType.VoteResponse, From = 3, To = 1, Term = 2 });
        node.Step(new Message { Type = MessageType.TimeoutNow, From = 3, To = 1, Term = 2 });

        node.Term.Should().Be(3);
        node.Vote.Should().Be(NodeIds.None);
        node.Role.Should().Be(Role.Follower);
        node.GetReady().AllMessages.Should().OnlyContain(m => m.Reject && m.Term == 3);
    }

    [Fact]
    public void Candidate_with_an_older_term_is_told_the_newer_term()
    {
        // Figure 2, RequestVote: "Reply false if term < currentTerm", with currentTerm "for candidate to update itself".
        var voter = Build.Node(1, Three, [1], term: 5).Raft;

        voter.Step(new Message { Type = MessageType.Vote, From = 2, To = 1, Term = 3, Index = 9, LogTerm = 1 });

        var reply = voter.GetReady().AllMessages.Should().ContainSingle().Subject;
        reply.Should().Match<Message>(m => m.Type == MessageType.VoteResponse && m.Reject && m.Term == 5);
        voter.Term.Should().Be(5);
        voter.Vote.Should().Be(NodeIds.None);
    }

    [Fact]
    public void Candidate_behind_in_term_catches_up_and_wins_against_a_node_that_cannot()
    {
        // Without PreVote: node 3 still believes the voters are {1,2,3} and keeps campaigning towards
        // nodes 1 and 2, which are gone, raising its term. The real voters are {3,4}; node 4 has the
        // better log but a lower term, and can only win with node 3's vote.
        Func<RaftOptions, RaftOptions> noPreVote = o => o with { PreVote = false };
        var stale = Build.Node(3, [1, 2, 3], [1], term: 10, options: noPreVote);
        var current = Build.Node(4, [3, 4], [1, 1], term: 2, options: noPreVote);
        var net = new Network(stale, current);

        net.TickUntil(() => current.Raft.Role == Role.Leader, maxTicks: 300);

        stale.Raft.LeaderId.Should().Be(4);
    }

    [Fact]
    public void Stale_leader_is_told_the_newer_term()
    {
        var node = Build.Node(1, Three, [1, 2], term: 3).Raft;

        node.Step(new Message { Type = MessageType.Append, From = 2, To = 1, Term = 2, Index = 2, LogTerm = 2 });

        var reply = node.GetReady().AllMessages.Should().ContainSingle().Subject;
        reply.Type.Should().Be(MessageType.AppendResponse);
        reply.Term.Should().Be(3);
        node.LastIndex.Should().Be(2, "nothing from a stale leader is appended");
    }

    [Fact]
    public void Learner_never_campaigns()
    {
        var learner = new TestNode(
            new RaftOptions { Id = 4, InitialConfig = new ClusterConfig([1, 2, 3], [4]) },
            new MemoryStorage(HardState.Empty, []),
            seed: 4).Raft;

        for (var i = 0; i < 100; i++) learner.Tick();
        learner.Campaign();

        learner.Role.Should().Be(Role.Follower);
        learner.Term.Should().Be(0);
        learner.HasReady.Should().BeFalse();
    }
}
