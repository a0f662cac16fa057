namespace RaftKv.Core.Tests.Rules;

/// <summary>Leadership transfer (Raft thesis §3.10): catch the target up, then TimeoutNow.</summary>
public sealed class LeadershipTransferRules
{
    [Fact]
    public void Leader_transfer_catches_up_target_then_sends_timeout_now()
    {
        var net = Network.OfSize(3);
        var oldLeader = net.Elect(1).Raft;
        var term = oldLeader.Term;
        net.Isolate(3);
        for (var i = 0; i < 5; i++) net.Propose(1, $"c{i}");
        net.Stabilize();
        net.Heal();
        var last = oldLeader.LastIndex;
        var sentBefore = net.Sent.Count;

        oldLeader.TransferLeadership(3).Should().BeTrue();
        net.Stabilize();

        var sent = net.Sent.Skip(sentBefore).ToList();
        var timeoutNow = sent.FindIndex(m => m.Type == MessageType.TimeoutNow);
        var caughtUp = sent.FindIndex(m => m.Type == MessageType.AppendResponse && m.From == 3 && !m.Reject && m.Index == last);
        timeoutNow.Should().BePositive();
        caughtUp.Should().BeInRange(0, timeoutNow - 1, "TimeoutNow only goes to a target whose log matches the leader's");
        sent[timeoutNow].To.Should().Be(3);
        net[3].Raft.Role.Should().Be(Role.Leader);
        net[3].Raft.Term.Should().Be(term + 1);
        net[3].State.Should().Equal("c0", "c1", "c2", "c3", "c4");
        oldLeader.Role.Should().Be(Role.Follower);
        oldLeader.LeaderId.Should().Be(3);
    }

    [Fact]
    public void TimeoutNow_campaign_succeeds_inside_voters_leader_lease()
    {
        var net = Network.OfSize(3);
        var term = net.Elect(1).Raft.Term;

        // No ticks pass: nodes 2 and 3 heard from the leader just now, and still vote for the transfer target.
        net[1].Raft.TransferLeadership(2).Should().BeTrue();
        net.Stabilize();

        net[2].Raft.Role.Should().Be(Role.Leader);
        net[2].Raft.Term.Should().Be(term + 1);
        net.Nodes.Should().OnlyContain(n => n.Raft.LeaderId == 2);
    }

    [Fact]
    public void Proposals_are_refused_during_leadership_transfer()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        net.Isolate(3);

        leader.TransferLeadership(3);

        leader.Propose(Build.Command("x"), out _).Should().Be(ProposeResult.TransferInProgress);
        leader.ProposeConfigChange(new ConfigChange(ConfigChangeType.AddLearner, 4), out _).Should().Be(ProposeResult.TransferInProgress);
        leader.Role.Should().Be(Role.Leader);
    }

    [Fact]
    public void Leader_transfer_is_aborted_after_an_election_timeout()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        net.Isolate(3);
        leader.TransferLeadership(3);

        net.TickAll(10);

        leader.TransferTarget.Should().Be(NodeIds.None);
        leader.Role.Should().Be(Role.Leader);
        leader.Propose(Build.Command("x"), out _).Should().Be(ProposeResult.Accepted);
    }

    [Fact]
    public void Transfer_to_itself_a_learner_or_a_stranger_is_refused()
    {
        var net = new Network(
            new TestNode(new RaftOptions { Id = 1, InitialConfig = new ClusterConfig([1, 2, 3], [4]) }, new MemoryStorage(HardState.Empty, []), 1),
            new TestNode(new RaftOptions { Id = 2, InitialConfig = new ClusterConfig([1, 2, 3], [4]) }, new MemoryStorage(HardState.Empty, []), 2),
            new TestNode(new RaftOptions { Id = 3, InitialConfig = new ClusterConfig([1, 2, 3], [4]) }, new MemoryStorage(HardState.Empty, []), 3));
        var leader = net.Elect(1).Raft;

        leader.TransferLeadership(1).Should().BeFalse();
        leader.TransferLeadership(4).Should().BeFalse();
        leader.TransferLeadership(9).Should().BeFalse();
        leader.TransferTarget.Should().Be(NodeIds.None);
        net[2].Raft.TransferLeadership(3).Should().BeFalse("only a leader can hand over leadership");
    }

    [Fact]
    public void Most_up_to_date_follower_is_the_natural_transfer_target()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        net.Isolate(2);
        net.Propose(1, "x");
        net.Stabilize();

        net[1].Raft.MostUpToDateFollower().Should().Be(3);
    }

    [Fact]
    public void Removing_the_transfer_target_aborts_the_transfer()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        leader.ProposeConfigChange(new ConfigChange(ConfigChangeType.Remove, 3), out _).Should().Be(ProposeResult.Accepted);
        net.Isolate(3);
        leader.TransferLeadership(3).Should().BeTrue();

        net.Stabilize();

        leader.TransferTarget.Should().Be(NodeIds.None);
        leader.Role.Should().Be(Role.Leader);
        leader.Propose(Build.Command("x"), out _).Should().Be(ProposeResult.Accepted);
    }

    [Fact]
    public void Learner_ignores_timeout_now()
    {
        var learner = new TestNode(
            new RaftOptions { Id = 4, InitialConfig = new ClusterConfig([1, 2, 3], [4]) },
            new MemoryStorage(new HardState(1, NodeIds.None, 0), []),
            seed: 4).Raft;

        learner.Step(new Message { Type = MessageType.TimeoutNow, From = 1, To = 4, Term = 1 });

        learner.Role.Should().Be(Role.Follower);
        learner.Term.Should().Be(1);
    }
}
