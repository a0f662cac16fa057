namespace RaftKv.Core.Tests.Rules;

/// <summary>CheckQuorum and the leader lease on votes (Raft thesis §6.2, §4.2.3).</summary>
public sealed class CheckQuorumRules
{
    [Fact]
    public void Leader_steps_down_when_it_loses_quorum()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        var term = leader.Term;
        net.Isolate(1);

        // Responses heard before the partition may count for one more round, so allow two timeouts.
        var ticks = 0;
        while (leader.Role == Role.Leader && ticks < 100)
        {
            net.TickAll();
            ticks++;
        }

        leader.Role.Should().Be(Role.Follower);
        ticks.Should().BeLessThanOrEqualTo(2 * 10);
        leader.Term.Should().Be(term, "stepping down is local; it learns of a newer term only when it hears one");
    }

    [Fact]
    public void Leader_with_quorum_stays_leader_while_one_follower_is_gone()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        net.Isolate(3);

        net.TickAll(10 * 10);

        leader.Role.Should().Be(Role.Leader);
    }

    [Fact]
    public void Leader_without_check_quorum_keeps_leading_when_isolated()
    {
        var net = Network.OfSize(3, o => o with { CheckQuorum = false });
        var leader = net.Elect(1).Raft;
        net.Isolate(1);

        net.TickAll(10 * 10);

        leader.Role.Should().Be(Role.Leader, "the control case: only CheckQuorum makes it step down");
    }

    [Theory]
    [InlineData(true)]
    // Thesis §4.2.3 applies the lease whether or not CheckQuorum is on: without it, a removed server that never
    // learned of its removal deposed every leader through a lagging member (simulator seeds 72513963, 73069396).
    [InlineData(false)]
    public void Follower_ignores_vote_requests_while_leader_is_alive(bool checkQuorum)
    {
        var net = Network.OfSize(3, o => o with { CheckQuorum = checkQuorum });
        net.Elect(1);
        var follower = net[2].Raft;
        var term = follower.Term;

        // Node 3, cut off from the leader, asks for a vote in a newer term with an up-to-date log.
        follower.Step(new Message { Type = MessageType.Vote, From = 3, To = 2, Term = term + 1, Index = follower.LastIndex, LogTerm = follower.LastTerm });

        follower.Term.Should().Be(term, "adopting the term would depose a healthy leader");
        follower.Vote.Should().Be(1);
        follower.LeaderId.Should().Be(1);
        follower.GetReady().AllMessages.Should().BeEmpty();
    }

    [Fact]
    public void Follower_grants_vote_once_leader_lease_expires()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        var follower = net[2].Raft;
        var term = follower.Term;
        for (var i = 0; i < 10; i++) follower.Tick(); // a whole election timeout without hearing the leader

        follower.Step(new Message { Type = MessageType.Vote, From = 3, To = 2, Term = term + 1, Index = follower.LastIndex, LogTerm = follower.LastTerm });

        follower.Term.Should().Be(term + 1);
        follower.Vote.Should().Be(3);
        follower.GetReady().AllMessages.Should().ContainSingle(m => m.Type == MessageType.VoteResponse && !m.Reject);
    }

    [Fact]
    public void Followers_elect_a_new_leader_after_the_old_one_is_cut_off()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        var term = net[1].Raft.Term;
        net.Isolate(1);

        net.TickUntil(() => net.Leaders.Any(n => n.Id != 1));

        var newLeader = net.Leaders.First(n => n.Id != 1);
        newLeader.Raft.Term.Should().Be(term + 1);
    }
}
