namespace RaftKv.Core.Tests.Rules;

/// <summary>
/// A node rebuilt from what it persisted (Raft Figure 2: currentTerm, votedFor and log on stable
/// storage) continues where it stopped, and never breaks a promise it made before the crash.
/// </summary>
public sealed class RestartRules
{
    [Fact]
    public void Restarted_node_keeps_term_vote_log_and_commit()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        net.Propose(1, "a");
        net.Propose(1, "b");
        net.TickAll(2);
        var node = net[2];
        var (term, vote, commit, log) = (node.Raft.Term, node.Raft.Vote, node.Raft.CommitIndex, node.LogIds());

        net.Crash(2);
        net.Restart(2);

        node.Raft.Term.Should().Be(term);
        node.Raft.Vote.Should().Be(vote);
        node.Raft.CommitIndex.Should().Be(commit);
        node.LogIds().Should().Equal(log);
        node.Raft.Role.Should().Be(Role.Follower);
    }

    [Fact]
    public void Restarted_node_reapplies_its_committed_entries()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        net.Propose(1, "a");
        net.Propose(1, "b");
        net.TickAll(2);

        net.Crash(3);
        net.Restart(3);
        net.ProcessReady(3);

        net[3].State.Should().Equal("a", "b");
    }

    [Fact]
    public void Restarted_node_does_not_vote_twice_in_a_term()
    {
        var voter = Build.FreshNode(1, [1, 2, 3]);
        voter.Raft.Step(new Message { Type = MessageType.Vote, From = 2, To = 1, Term = 1 });
        voter.HandleReady();

        voter.Restart();
        voter.Raft.Step(new Message { Type = MessageType.Vote, From = 3, To = 1, Term = 1 });

        voter.HandleReady().Should().ContainSingle().Which.Reject.Should().BeTrue();
        voter.Raft.Vote.Should().Be(2);
    }

    [Fact]
    public void Entries_never_persisted_are_gone_after_a_crash()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);
        var durable = leader.Raft.LastIndex;
        net.Propose(1, "never written");

        net.Crash(1); // before its Ready was handled
        net.Restart(1);

        leader.Raft.LastIndex.Should().Be(durable);
    }

    [Fact]
    public void Node_restarted_from_a_snapshot_starts_after_it()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        for (var i = 0; i < 5; i++) net.Propose(1, $"c{i}");
        net.TickAll(2);
        var snapshot = net[2].Compact();

        net.Crash(2);
        net.Restart(2);

        net[2].Raft.FirstIndex.Should().Be(snapshot.Metadata.Index + 1);
        net[2].Raft.CommitIndex.Should().BeGreaterThanOrEqualTo(snapshot.Metadata.Index);
        net[2].State.Should().Equal("c0", "c1", "c2", "c3", "c4");
        net.Propose(1, "c5");
        net.TickAll(2);
        net[2].State.Should().EndWith("c5");
    }

    [Fact]
    public void Whole_cluster_restart_keeps_every_committed_command()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        net.Propose(1, "a");
        net.Propose(1, "b");
        net.TickAll(2);

        foreach (var id in Build.Ids(3)) net.Crash(id);
        foreach (var id in Build.Ids(3)) net.Restart(id);
        net.TickUntil(() => net.HasLeader);
        net.Propose(net.Leader.Id, "c");
        net.TickAll(2);

        net.Nodes.Should().OnlyContain(n => n.State.SequenceEqual(new[] { "a", "b", "c" }));
    }

    [Fact]
    public void Restarted_node_knows_membership_from_its_committed_log()
    {
        var net = new Network(Build.FreshNode(1, [1, 2, 3]), Build.FreshNode(2, [1, 2, 3]), Build.FreshNode(3, [1, 2, 3]));
        net.Elect(1);
        net[1].Raft.ProposeConfigChange(new ConfigChange(ConfigChangeType.Remove, 3), out _);
        net.Stabilize();
        net.TickAll(2);

        net.Crash(2);
        net.Restart(2);

        net[2].Raft.Config.Should().Be(ClusterConfig.OfVoters(1, 2));
    }
}
