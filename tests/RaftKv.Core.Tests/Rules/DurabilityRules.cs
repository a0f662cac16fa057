namespace RaftKv.Core.Tests.Rules;

/// <summary>
/// What may leave before it is durable (DESIGN.md "Replica and host"; etcd's msgsAfterAppend): a Ready splits its
/// messages into <see cref="Ready.Messages"/> (may go at once) and <see cref="Ready.MessagesAfterPersist"/> (only once
/// this Ready and every earlier one is on disk). The rule lives in the core; drivers only follow it.
/// </summary>
public sealed class DurabilityRules
{
    [Fact]
    public void Follower_acknowledges_appended_entries_only_after_they_are_durable()
    {
        var follower = Build.Node(1, [1, 2, 3], [1], term: 1).Raft;
        follower.Step(new Message
        {
            Type = MessageType.Append, From = 2, To = 1, Term = 1, Index = 1, LogTerm = 1,
            Entries = [new Entry(2, 1, EntryType.Command, Build.Command("x"))],
        });

        var ready = follower.GetReady();

        ready.Messages.Should().BeEmpty();
        ready.MessagesAfterPersist.Should().ContainSingle(m => m.Type == MessageType.AppendResponse && m.Index == 2);
    }

    [Fact]
    public void Ready_that_changes_the_term_sends_nothing_before_it_is_durable()
    {
        var follower = Build.Node(1, [1, 2, 3], [1], term: 1).Raft;
        follower.Step(new Message { Type = MessageType.Heartbeat, From = 2, To = 1, Term = 5, Context = 7 });

        var ready = follower.GetReady();

        ready.HardState!.Value.Term.Should().Be(5);
        ready.Messages.Should().BeEmpty("a heartbeat reply in term 5 would speak for a term this node's disk does not know");
        ready.MessagesAfterPersist.Should().ContainSingle(m => m.Type == MessageType.HeartbeatResponse && m.Term == 5);
    }

    [Fact]
    public void Candidate_asks_for_votes_only_after_its_new_term_and_vote_are_durable()
    {
        var node = Build.Node(1, [1, 2, 3], [1], term: 1, options: o => o with { PreVote = false }).Raft;
        node.Campaign();

        var ready = node.GetReady();

        ready.HardState!.Value.Should().Match<HardState>(h => h.Term == 2 && h.Vote == 1);
        ready.Messages.Should().BeEmpty();
        ready.MessagesAfterPersist.Where(m => m.Type == MessageType.Vote).Should().HaveCount(2);
    }

    [Fact]
    public void Vote_is_granted_only_after_it_is_durable()
    {
        var voter = Build.Node(1, [1, 2, 3], [1], term: 1).Raft;
        voter.Step(new Message { Type = MessageType.Vote, From = 2, To = 1, Term = 2, Index = 1, LogTerm = 1 });

        var ready = voter.GetReady();

        ready.Messages.Should().BeEmpty();
        ready.MessagesAfterPersist.Should().ContainSingle(m => m.Type == MessageType.VoteResponse && !m.Reject);
    }

    [Fact]
    public void Leader_appends_leave_before_its_own_copy_is_durable_once_its_term_is()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);
        leader.Raft.Propose(Build.Command("x"), out var index).Should().Be(ProposeResult.Accepted);

        var ready = leader.Raft.GetReady();

        ready.Entries.Should().ContainSingle(e => e.Index == index);
        ready.Messages.Where(m => m.Type == MessageType.Append).Should().HaveCount(2,
            "followers write in parallel with the leader (thesis §10.2.1)");
        ready.MessagesAfterPersist.Should().BeEmpty();
    }

    [Fact]
    public void Single_voter_leads_only_once_its_own_vote_is_durable()
    {
        // One voter plus a learner: the voter's own vote decides its election. Counted before it is durable, a crash
        // would let the node restart in the term before and lead "the same" term again with another log (simulator
        // seed 73054861); other voters' votes cannot come earlier, as the vote requests wait for the disk.
        var config = new ClusterConfig([1], [2]);
        var node = Build.Node(1, [1], [1], term: 1, commit: 1, options: o => o with { InitialConfig = config }).Raft;
        node.Campaign();
        node.Role.Should().Be(Role.Candidate, "its vote for itself is not durable yet");
        node.ReadIndex(1).Should().BeFalse("no reads either");

        var first = node.GetReady();
        first.HardState!.Value.Term.Should().Be(2);
        first.HardState!.Value.Vote.Should().Be(1);
        first.Messages.Concat(first.MessagesAfterPersist).Should().BeEmpty("there is no one to ask, and nothing to send as leader yet");
        node.Tick();
        node.Role.Should().Be(Role.Candidate);

        node.Persisted(first);

        node.Role.Should().Be(Role.Leader);
        node.Term.Should().Be(2);
        node.GetReady().Messages.Should().Contain(m => m.Type == MessageType.Append && m.To == 2,
            "its term is durable: the leader's append goes out before its own write of it");
    }

    [Fact]
    public void Later_Ready_does_not_hand_out_entries_already_being_written()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        leader.Propose(Build.Command("a"), out var a);
        var first = leader.GetReady();
        leader.Propose(Build.Command("b"), out var b);

        var second = leader.GetReady();

        first.Entries.Select(e => e.Index).Should().Equal(a);
        second.Entries.Select(e => e.Index).Should().Equal(b);
    }

    [Fact]
    public void Leader_commits_with_its_own_copy_only_once_told_it_is_durable()
    {
        var net = Network.OfSize(2);
        var leader = net.Elect(1).Raft;
        leader.Propose(Build.Command("x"), out var index);
        var ready = leader.GetReady();
        // The follower acknowledges, the leader's own write is still under way.
        leader.Step(new Message { Type = MessageType.AppendResponse, From = 2, To = 1, Term = leader.Term, Index = index });
        leader.CommitIndex.Should().BeLessThan(index, "two voters: the leader's own copy is needed and is not durable");

        leader.Persisted(ready);

        leader.CommitIndex.Should().Be(index);
    }
}
