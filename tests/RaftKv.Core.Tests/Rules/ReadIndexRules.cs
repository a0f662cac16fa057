namespace RaftKv.Core.Tests.Rules;

/// <summary>Linearizable reads without log writes: the ReadIndex protocol of the Raft thesis §6.4.</summary>
public sealed class ReadIndexRules
{
    [Fact]
    public void ReadIndex_waits_for_heartbeat_quorum()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);

        leader.Raft.ReadIndex(7).Should().BeTrue();
        var sent = net.ProcessReady(1);

        leader.ReadStates.Should().BeEmpty("the leader must first confirm that no newer leader exists");
        sent.Where(m => m.Type == MessageType.Heartbeat).Select(m => m.To).Should().BeEquivalentTo([2, 3]);

        net.Deliver(m => m.Type == MessageType.Heartbeat && m.To == 2);
        leader.ReadStates.Should().BeEmpty();
        net.Deliver(m => m.Type == MessageType.HeartbeatResponse && m.From == 2);

        leader.ReadStates.Should().Equal(new ReadState(leader.Raft.CommitIndex, 7));
    }

    [Fact]
    public void ReadIndex_is_the_commit_index_when_the_read_arrived()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);
        var written = net.Propose(1, "w");
        net.Stabilize();

        leader.Raft.ReadIndex(1);
        net.Stabilize();

        leader.ReadStates.Should().ContainSingle().Which.Index.Should().Be(written, "the read must see every write committed before it");
    }

    [Fact]
    public void ReadIndex_waits_for_leader_to_commit_in_its_term()
    {
        // Entry 2 may have been committed by the previous leader; the new leader cannot know until its no-op commits.
        var voters = Build.Ids(3);
        var net = new Network(
            Build.Node(1, voters, [1, 1], term: 1, commit: 1),
            Build.Node(2, voters, [1, 1], term: 1, commit: 1),
            Build.Node(3, voters, [1, 1], term: 1, commit: 1));
        net.DropIf = m => m.Type == MessageType.Append;
        net[1].Raft.Campaign();
        net.Stabilize();
        var leader = net[1];
        leader.Raft.Role.Should().Be(Role.Leader);

        leader.Raft.ReadIndex(5).Should().BeTrue();
        net.TickAll(3); // heartbeats are acknowledged, but the no-op is not yet committed

        leader.ReadStates.Should().BeEmpty();
        leader.Raft.PendingReadCount.Should().Be(1);

        net.Heal();
        net.TickUntil(() => leader.ReadStates.Count > 0);

        leader.ReadStates.Should().Equal(new ReadState(3, 5));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Deposed_leader_cannot_serve_read_index(bool checkQuorum)
    {
        var net = Network.OfSize(3, o => o with { CheckQuorum = checkQuorum });
        var oldLeader = net.Elect(1);
        net.Isolate(1);

        oldLeader.Raft.ReadIndex(9).Should().BeTrue("it still believes it leads");
        net.TickUntil(() => net.Leaders.Any(n => n.Id != 1));
        net.Propose(net.Leaders.First(n => n.Id != 1).Id, "newer write");
        net.TickAll(30);

        oldLeader.ReadStates.Should().BeEmpty();
        net.Heal();
        net.TickAll(5);

        oldLeader.ReadStates.Should().BeEmpty("a read it could not confirm is dropped, never served late");
        oldLeader.Raft.Role.Should().Be(Role.Follower);
        oldLeader.Raft.PendingReadCount.Should().Be(0);
    }

    [Fact]
    public void Single_node_read_index_is_served_immediately()
    {
        var net = new Network(Build.FreshNode(1, [1]));
        net.TickUntil(() => net[1].Raft.Role == Role.Leader);
        net.Stabilize();

        net[1].Raft.ReadIndex(3);
        var sent = net.ProcessReady(1);

        sent.Should().BeEmpty("no one else can be leader");
        net[1].ReadStates.Should().Equal(new ReadState(net[1].Raft.CommitIndex, 3));
    }

    [Fact]
    public void Single_node_read_waits_until_its_noop_is_durable()
    {
        var node = Build.FreshNode(1, [1]);
        node.Raft.Campaign();
        node.HandleReady(); // its vote is durable: it leads, and appends its no-op

        node.Raft.ReadIndex(4).Should().BeTrue();
        node.HandleReady(); // persists the no-op, which commits it
        node.ReadStates.Should().BeEmpty("the no-op was not committed when the read came");
        node.HandleReady();

        node.ReadStates.Should().Equal(new ReadState(1, 4));
    }

    [Fact]
    public void ReadIndex_on_a_follower_is_refused()
    {
        var net = Network.OfSize(3);
        net.Elect(1);

        net[2].Raft.ReadIndex(1).Should().BeFalse();
    }

    [Fact]
    public void Reads_are_released_in_the_order_they_arrived()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);

        leader.Raft.ReadIndex(10);
        leader.Raft.ReadIndex(20);
        net.Propose(1, "w");
        leader.Raft.ReadIndex(30);
        net.Stabilize();

        leader.ReadStates.Select(r => r.Context).Should().Equal(10, 20, 30);
        leader.ReadStates.Select(r => r.Index).Should().BeInAscendingOrder();
    }

    [Fact]
    public void ReadIndex_with_context_zero_is_served()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);

        leader.Raft.ReadIndex(0);
        net.Stabilize();
        net.TickAll(3);

        leader.ReadStates.Should().Equal(new ReadState(leader.Raft.CommitIndex, 0));
    }

    [Fact]
    public void Read_is_not_confirmed_by_an_acknowledgement_of_an_earlier_heartbeat()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);

        // Read A: its heartbeat reaches node 2 at once; the copy for node 3 is delayed in the network.
        leader.Raft.ReadIndex(5);
        net.ProcessReady(1);
        var delayed = net.InFlight.Single(m => m.Type == MessageType.Heartbeat && m.To == 3);
        net.Deliver(m => m.Type == MessageType.Heartbeat && m.To == 2);
        net.Deliver(m => m.Type == MessageType.HeartbeatResponse);
        leader.ReadStates.Should().ContainSingle();

        // Read B, with the same context: its own heartbeats are lost, then the old one to node 3 arrives.
        leader.Raft.ReadIndex(5);
        net.ProcessReady(1);
        net.Discard(m => m.Type == MessageType.Heartbeat && !ReferenceEquals(m, delayed));
        net.Deliver(m => ReferenceEquals(m, delayed));
        net.Deliver(m => m.Type == MessageType.HeartbeatResponse);

        leader.ReadStates.Should().ContainSingle("node 3 answered a heartbeat sent before read B arrived; it proves nothing about B");

        net.TickAll(); // a heartbeat round sent after B arrived does confirm it
        leader.ReadStates.Should().HaveCount(2);
    }
}
