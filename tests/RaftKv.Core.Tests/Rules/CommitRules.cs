namespace RaftKv.Core.Tests.Rules;

/// <summary>
/// When an entry is committed (Raft §5.4.2, Figure 8), who may count towards it (only what is
/// durable), and how committed entries reach the state machine (each once, in order).
/// </summary>
public sealed class CommitRules
{
    [Fact]
    public void Leader_does_not_commit_prior_term_entry_by_counting()
    {
        // Figure 8 (c): S1 leads term 4; entry 2 is from term 2. S5 has an entry of term 3 at index 2.
        var voters = Build.Ids(5);
        Func<RaftOptions, RaftOptions> oneEntryPerMessage = o => o with { MaxMessageBytes = 1 };
        var net = new Network(
            Build.Node(1, voters, [1, 2], term: 3, commit: 1, options: oneEntryPerMessage),
            Build.Node(2, voters, [1, 2], term: 3, commit: 1, options: oneEntryPerMessage),
            Build.Node(3, voters, [1], term: 3, commit: 1, options: oneEntryPerMessage),
            Build.Node(4, voters, [1], term: 3, commit: 1, options: oneEntryPerMessage),
            Build.Node(5, voters, [1, 3], term: 3, commit: 1, options: oneEntryPerMessage));
        // The leader never hears that an entry of its own term arrived anywhere; it does hear about entry 2.
        net.DropIf = m => m.Type == MessageType.AppendResponse && !m.Reject && m.Index >= 3;

        net[1].Raft.Campaign();
        net.Stabilize();
        net.TickAll(5);

        var leader = net[1].Raft;
        leader.Role.Should().Be(Role.Leader);
        leader.Term.Should().Be(4);
        net.Nodes.Should().OnlyContain(n => n.Raft.TermAt(2) == 2, "entry 2 is stored everywhere");
        leader.Progress.Count(p => p.Value.Match >= 2).Should().BeGreaterThanOrEqualTo(3, "and the leader knows a majority has it");
        leader.Progress.Count(p => p.Value.Match >= 3).Should().Be(1, "only its own copy of the term-4 no-op is known");
        leader.CommitIndex.Should().Be(1, "an entry of an older term is never committed by counting replicas");

        net.Heal();
        net.TickUntil(() => leader.CommitIndex == 3);

        leader.CommitIndex.Should().Be(3, "once the term-4 no-op is on a majority, it commits entry 2 with it");
    }

    [Fact]
    public void Leader_counts_its_own_entry_only_after_it_is_persisted()
    {
        // Two voters: an entry commits only when both the follower and the leader hold it durably.
        var net = Network.OfSize(2);
        var leader = net.Elect(1);
        var index = net.Propose(1, "x");

        var ready = leader.Raft.GetReady(); // the leader starts its fsync and sends appends in parallel
        ready.Entries.Should().ContainSingle(e => e.Index == index);
        net.Enqueue(ready.Messages);
        net.Deliver(m => m.To == 2);
        var ack = net.InFlight.Single(m => m.From == 2 && m.Type == MessageType.AppendResponse);
        leader.Raft.Step(ack);

        leader.Raft.CommitIndex.Should().BeLessThan(index, "the leader's own copy is not yet durable");

        leader.Storage.Persist(ready);
        leader.Raft.Advance(ready);

        leader.Raft.CommitIndex.Should().Be(index);
    }

    [Fact]
    public void Leader_commits_with_followers_while_its_own_write_is_in_flight()
    {
        // Thesis §10.2.1: with three voters, two followers are a majority without the leader's disk.
        var net = Network.OfSize(3);
        var leader = net.Elect(1);
        var index = net.Propose(1, "x");

        var ready = leader.Raft.GetReady();
        net.Enqueue(ready.Messages);
        net.Deliver(m => m.To != 1);
        foreach (var ack in net.InFlight.Where(m => m.To == 1).ToArray()) leader.Raft.Step(ack);

        leader.Raft.CommitIndex.Should().Be(index);
    }

    [Fact]
    public void Followers_learn_the_commit_index_without_waiting_for_a_heartbeat()
    {
        var net = Network.OfSize(3);
        net.Elect(1);

        var index = net.Propose(1, "x");
        net.Stabilize(); // no tick: no heartbeat

        net.Nodes.Should().OnlyContain(n => n.Raft.CommitIndex == index && n.State.SequenceEqual(new[] { "x" }));
    }

    [Fact]
    public void Follower_acknowledges_entries_in_the_same_ready_that_persists_them()
    {
        var follower = Build.Node(1, [1, 2, 3], [1], term: 1).Raft;

        follower.Step(new Message
        {
            Type = MessageType.Append, From = 2, To = 1, Term = 1, Index = 1, LogTerm = 1,
            Entries = [new Entry(2, 1, EntryType.Command, Build.Command("x"))],
        });

        // The acknowledgement waits for the fsync, so it never outruns the disk.
        var ready = follower.GetReady();
        ready.Entries.Should().ContainSingle(e => e.Index == 2);
        ready.MessagesAfterPersist.Should().ContainSingle(m => m.Type == MessageType.AppendResponse && m.Index == 2);
        ready.MustSync.Should().BeTrue();
    }

    [Fact]
    public void Commit_index_change_alone_does_not_require_an_fsync()
    {
        var follower = Build.Node(1, [1, 2, 3], [1, 1], term: 1).Raft;
        follower.Step(new Message { Type = MessageType.Heartbeat, From = 2, To = 1, Term = 1, Commit = 0 });
        follower.Advance(follower.GetReady());

        // Only the commit index moves: a node that forgets it after a crash learns it again from the leader.
        follower.Step(new Message { Type = MessageType.Heartbeat, From = 2, To = 1, Term = 1, Commit = 2 });
        var ready = follower.GetReady();
        ready.HardState.Should().NotBeNull();
        ready.HardState!.Value.Commit.Should().Be(2);
        ready.CommittedEntries.Should().HaveCount(2);
        ready.MustSync.Should().BeFalse();
    }

    [Fact]
    public void New_term_requires_an_fsync_before_messages_are_sent()
    {
        var follower = Build.Node(1, [1, 2, 3], [1], term: 1).Raft;
        follower.Step(new Message { Type = MessageType.Heartbeat, From = 2, To = 1, Term = 5 });
        var ready = follower.GetReady();
        ready.HardState!.Value.Term.Should().Be(5);
        ready.MustSync.Should().BeTrue();
    }

    [Fact]
    public void Entries_not_on_a_majority_are_not_committed()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);
        var committed = leader.Raft.CommitIndex;
        net.Cut(1, 2);
        net.Cut(1, 3);

        net.Propose(1, "lonely");
        net.Stabilize();

        leader.Raft.CommitIndex.Should().Be(committed);
        leader.State.Should().NotContain("lonely");
    }

    [Fact]
    public void Committed_entries_are_delivered_exactly_once_in_order()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        net.Propose(1, "c0");
        net.Propose(1, "c1");
        net.Stabilize();
        net.Propose(1, "c2");
        net.TickAll(2);

        // The leader is cut off; what it accepts now is never committed. The others elect a new leader.
        net.Isolate(1);
        net.Propose(1, "lost");
        net.TickUntil(() => net.Leaders.Any(n => n.Id != 1));
        var newLeader = net.Leaders.First(n => n.Id != 1).Id;
        net.Propose(newLeader, "c3");
        net.Propose(newLeader, "c4");
        net.Stabilize();
        net.Heal();
        net.TickAll(3 * 20);
        net.Propose(net.Leader.Id, "c5");
        net.TickAll(2);

        var expected = new[] { "c0", "c1", "c2", "c3", "c4", "c5" };
        foreach (var node in net.Nodes)
        {
            node.State.Should().Equal(expected, $"node {node.Id} applies every committed command once, in order");
            node.AppliedEntries.Select(e => e.Index).Should().Equal(
                Enumerable.Range(1, node.AppliedEntries.Count).Select(i => (long)i), "indexes are applied without gaps or repeats");
        }
    }

    [Fact]
    public void Proposals_are_refused_while_too_many_bytes_are_uncommitted()
    {
        var net = Network.OfSize(3, o => o with { MaxUncommittedBytes = 200 });
        var leader = net.Elect(1).Raft;
        net.Isolate(1);

        var results = Enumerable.Range(0, 10).Select(i => leader.Propose(new byte[50], out _)).ToArray();

        results.Should().Contain(ProposeResult.Accepted).And.Contain(ProposeResult.Overloaded);
        results.SkipWhile(r => r == ProposeResult.Accepted).Should().OnlyContain(r => r == ProposeResult.Overloaded);
    }

    [Fact]
    public void Proposals_are_accepted_again_once_the_backlog_commits()
    {
        var net = Network.OfSize(3, o => o with { MaxUncommittedBytes = 200 });
        var leader = net.Elect(1).Raft;
        net.Isolate(1);
        while (leader.Propose(new byte[50], out _) == ProposeResult.Accepted) { }

        net.Heal();
        net.TickAll(2);

        leader.Propose(new byte[50], out _).Should().Be(ProposeResult.Accepted);
    }
}
