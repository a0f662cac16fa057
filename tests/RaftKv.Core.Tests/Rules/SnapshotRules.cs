namespace RaftKv.Core.Tests.Rules;

/// <summary>Log compaction and InstallSnapshot (Raft §7).</summary>
public sealed class SnapshotRules
{
    private static readonly int[] Three = [1, 2, 3];

    private static Message SnapshotMessage(long index, long term, long messageTerm) => new()
    {
        Type = MessageType.Snapshot,
        From = 2,
        To = 1,
        Term = messageTerm,
        Snapshot = new Snapshot(new SnapshotMetadata(index, term, ClusterConfig.OfVoters(Three)), new SnapshotBytes(TestNode.EncodeState(["s"]))),
    };

    [Fact]
    public void Lagging_follower_catches_up_from_a_snapshot()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);
        net.Isolate(3);
        for (var i = 0; i < 10; i++) net.Propose(1, $"c{i}");
        net.TickAll(2);
        leader.Compact();
        net[2].Compact();
        leader.Raft.FirstIndex.Should().BeGreaterThan(net[3].Raft.LastIndex + 1, "node 3 needs entries that no longer exist");

        net.Heal();
        net.TickUntil(() => net[3].Raft.CommitIndex == leader.Raft.CommitIndex);

        net.Sent.Should().Contain(m => m.Type == MessageType.Snapshot && m.To == 3);
        net[3].InstalledSnapshots.Should().ContainSingle();
        net[3].Storage.Snapshot.Should().NotBeNull();
        net[3].State.Should().Equal(leader.State);

        net.Propose(1, "after");
        net.TickAll(2);
        net[3].State.Should().Equal(leader.State).And.EndWith("after");
    }

    [Fact]
    public void Lost_snapshot_is_sent_again()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);
        net.Isolate(3);
        for (var i = 0; i < 5; i++) net.Propose(1, $"c{i}");
        net.TickAll(2);
        leader.Compact();
        net.Heal();
        var dropped = 0;
        net.DropIf = m => m.Type == MessageType.Snapshot && dropped++ == 0;

        net.TickUntil(() => net[3].Raft.CommitIndex == leader.Raft.CommitIndex);

        net.Sent.Count(m => m.Type == MessageType.Snapshot && m.To == 3).Should().BeGreaterThanOrEqualTo(2);
        net[3].State.Should().Equal(leader.State);
    }

    [Fact]
    public void Follower_ignores_stale_snapshot()
    {
        var follower = Build.Node(1, Three, [1, 1, 1, 1, 1], term: 1, commit: 5);

        follower.Raft.Step(SnapshotMessage(index: 3, term: 1, messageTerm: 1));

        var sent = follower.HandleReady();
        follower.InstalledSnapshots.Should().BeEmpty();
        follower.Raft.LastIndex.Should().Be(5);
        follower.Raft.FirstIndex.Should().Be(1);
        sent.Should().ContainSingle().Which.Should().Match<Message>(m => m.Type == MessageType.AppendResponse && m.Index == 5);
    }

    [Fact]
    public void Follower_that_holds_the_snapshot_point_keeps_its_log_and_commits_to_it()
    {
        var follower = Build.Node(1, Three, [1, 1, 1, 1, 1], term: 1, commit: 2);

        follower.Raft.Step(SnapshotMessage(index: 3, term: 1, messageTerm: 1));

        follower.HandleReady();
        follower.InstalledSnapshots.Should().BeEmpty();
        follower.Raft.LastIndex.Should().Be(5);
        follower.Raft.CommitIndex.Should().Be(3);
    }

    [Fact]
    public void Follower_that_holds_the_snapshot_point_acknowledges_only_up_to_it()
    {
        // Entries 4 and 5 came from a term-2 leader; the snapshot's leader may hold different ones there.
        var follower = Build.Node(1, Three, [1, 1, 1, 2, 2], term: 3, commit: 2);

        follower.Raft.Step(SnapshotMessage(index: 3, term: 1, messageTerm: 3));

        var reply = follower.HandleReady().Should().ContainSingle().Subject;
        reply.Type.Should().Be(MessageType.AppendResponse);
        reply.Index.Should().Be(3, "only entries up to the snapshot point are known to match the leader");
    }

    [Fact]
    public void Snapshot_replaces_a_conflicting_log()
    {
        var follower = Build.Node(1, Three, [1, 1, 2, 2], term: 3, commit: 1);

        follower.Raft.Step(SnapshotMessage(index: 4, term: 3, messageTerm: 3));

        var sent = follower.HandleReady();
        follower.InstalledSnapshots.Should().ContainSingle();
        follower.State.Should().Equal("s");
        follower.Raft.FirstIndex.Should().Be(5);
        follower.Raft.LastIndex.Should().Be(4);
        follower.Raft.CommitIndex.Should().Be(4);
        follower.Storage.Entries.Should().BeEmpty();
        sent.Should().ContainSingle().Which.Index.Should().Be(4);
    }

    [Fact]
    public void Compaction_keeps_the_entries_after_the_applied_index()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);
        net.Propose(1, "a");
        net.TickAll(2);
        var applied = leader.Raft.AppliedIndex;

        var snapshot = leader.Compact();

        snapshot.Metadata.Index.Should().Be(applied);
        snapshot.Metadata.Term.Should().Be(leader.Raft.Term);
        leader.Raft.FirstIndex.Should().Be(applied + 1);
        leader.Storage.Entries.Should().NotContain(e => e.Index <= applied);
        leader.Storage.Snapshot.Should().Be(snapshot);
    }

    [Fact]
    public void New_learner_catches_up_from_a_snapshot_and_learns_the_membership()
    {
        var net = new Network(Build.FreshNode(1, Three), Build.FreshNode(2, Three), Build.FreshNode(3, Three), Build.FreshNode(4, Three));
        var leader = net.Elect(1);
        for (var i = 0; i < 5; i++) net.Propose(1, $"c{i}");
        net.TickAll(2);
        leader.Compact();

        leader.Raft.ProposeConfigChange(new ConfigChange(ConfigChangeType.AddLearner, 4), out _).Should().Be(ProposeResult.Accepted);
        net.Stabilize();
        net.TickAll(3);

        net[4].InstalledSnapshots.Should().ContainSingle();
        net[4].State.Should().Equal("c0", "c1", "c2", "c3", "c4");
        net[4].Raft.Config.Should().Be(new ClusterConfig(Three, [4]));
        net[4].LogIds().Should().Equal(leader.LogIds());
    }
}
