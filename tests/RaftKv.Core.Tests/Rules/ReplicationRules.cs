namespace RaftKv.Core.Tests.Rules;

/// <summary>The follower side of AppendEntries: the consistency check and conflict truncation (Raft §5.3, Figure 2).</summary>
public sealed class ReplicationRules
{
    private static readonly int[] Three = [1, 2, 3];

    private static Message Append(long term, long prevIndex, long prevTerm, long commit = 0, params (long Index, long Term)[] entries) => new()
    {
        Type = MessageType.Append,
        From = 2,
        To = 1,
        Term = term,
        Index = prevIndex,
        LogTerm = prevTerm,
        Commit = commit,
        Entries = entries.Select(e => new Entry(e.Index, e.Term, EntryType.Command, Build.Command($"new{e.Index}"))).ToArray(),
    };

    [Fact]
    public void Follower_rejects_append_when_prev_log_term_mismatches()
    {
        var follower = Build.Node(1, Three, [1, 1, 2], term: 3);

        follower.Raft.Step(Append(term: 3, prevIndex: 3, prevTerm: 3, commit: 0, (4, 3)));

        var reply = follower.HandleReady().Should().ContainSingle().Subject;
        reply.Should().Match<Message>(m => m.Type == MessageType.AppendResponse && m.Reject && m.Index == 3);
        reply.RejectHint.Should().Be(3, "index 3 holds term 2, no greater than the leader's prevLogTerm");
        reply.LogTerm.Should().Be(2, "the follower's term at the hint lets the leader skip a whole term");
        follower.LogIds().Should().Equal((1, 1), (2, 1), (3, 2));
        follower.Raft.LeaderId.Should().Be(2, "a rejected append still comes from the legitimate leader");
    }

    [Fact]
    public void Follower_rejects_append_when_prev_log_index_is_beyond_its_log()
    {
        var follower = Build.Node(1, Three, [1, 1], term: 1);

        follower.Raft.Step(Append(term: 1, prevIndex: 5, prevTerm: 1, commit: 0, (6, 1)));

        var reply = follower.HandleReady().Should().ContainSingle().Subject;
        reply.Should().Match<Message>(m => m.Reject && m.Index == 5 && m.RejectHint == 2 && m.LogTerm == 1);
        follower.Raft.LastIndex.Should().Be(2);
    }

    [Fact]
    public void Follower_appends_entries_after_a_matching_prev_entry()
    {
        var follower = Build.Node(1, Three, [1, 1], term: 2);

        follower.Raft.Step(Append(term: 2, prevIndex: 2, prevTerm: 1, commit: 0, (3, 2), (4, 2)));

        follower.HandleReady().Should().ContainSingle().Which.Should().Match<Message>(m => !m.Reject && m.Index == 4);
        follower.LogIds().Should().Equal((1, 1), (2, 1), (3, 2), (4, 2));
        follower.Storage.Entries.Should().HaveCount(4);
    }

    [Fact]
    public void Follower_truncates_conflicting_entries()
    {
        var follower = Build.Node(1, Three, [1, 1, 2, 2], term: 3, commit: 1);

        follower.Raft.Step(Append(term: 3, prevIndex: 2, prevTerm: 1, commit: 0, (3, 3)));

        follower.LogIds().Should().Equal((1, 1), (2, 1), (3, 3));
        follower.HandleReady().Should().ContainSingle().Which.Index.Should().Be(3);
        follower.Storage.Entries.Select(e => (e.Index, e.Term)).Should().Equal((1, 1), (2, 1), (3, 3));
    }

    [Fact]
    public void Follower_keeps_later_entries_when_an_old_append_arrives_late()
    {
        var follower = Build.Node(1, Three, [1, 1, 1, 1], term: 1);

        // A reordered append that carries only entry 2, which the follower already has.
        follower.Raft.Step(Append(term: 1, prevIndex: 1, prevTerm: 1, commit: 0, (2, 1)));

        follower.LogIds().Should().HaveCount(4, "entries that do not conflict are never deleted");
        follower.HandleReady().Should().ContainSingle().Which.Should().Match<Message>(m => !m.Reject && m.Index == 2);
    }

    [Fact]
    public void Follower_commits_up_to_the_leader_commit_but_not_past_what_it_received()
    {
        var follower = Build.Node(1, Three, [1], term: 1);

        follower.Raft.Step(Append(term: 1, prevIndex: 1, prevTerm: 1, commit: 9, (2, 1), (3, 1)));

        follower.Raft.CommitIndex.Should().Be(3, "entries past the last new one may still differ from the leader's");
    }

    [Fact]
    public void Follower_learns_commit_index_from_heartbeat()
    {
        var follower = Build.Node(1, Three, [1, 1, 1], term: 1);

        follower.Raft.Step(new Message { Type = MessageType.Heartbeat, From = 2, To = 1, Term = 1, Commit = 2 });

        follower.Raft.CommitIndex.Should().Be(2);
        follower.HandleReady();
        follower.AppliedEntries.Select(e => e.Index).Should().Equal(1, 2);
    }

    [Fact]
    public void Append_older_than_the_commit_index_is_answered_with_the_commit_index()
    {
        var follower = Build.Node(1, Three, [1, 1, 1, 1], term: 1, commit: 3);

        follower.Raft.Step(Append(term: 1, prevIndex: 1, prevTerm: 1, commit: 1, (2, 1)));

        follower.HandleReady().Should().ContainSingle().Which.Should().Match<Message>(m => !m.Reject && m.Index == 3);
        follower.Raft.LastIndex.Should().Be(4);
    }

    [Fact]
    public void New_leader_appends_noop_entry()
    {
        var net = Network.OfSize(3);

        var leader = net.Elect(2).Raft;

        var last = leader.Entries(leader.LastIndex, leader.LastIndex).Single();
        last.Type.Should().Be(EntryType.NoOp);
        last.Term.Should().Be(leader.Term);
        net.Nodes.Should().OnlyContain(n => n.Raft.CommitIndex == last.Index && n.Raft.TermAt(last.Index) == last.Term);
    }

    [Fact]
    public void Leader_replicates_proposals_to_every_follower()
    {
        var net = Network.OfSize(3);
        net.Elect(1);

        net.Propose(1, "a");
        net.Propose(1, "b");
        net.Stabilize();
        net.TickAll();

        net.Nodes.Should().OnlyContain(n => n.State.SequenceEqual(new[] { "a", "b" }));
    }

    [Fact]
    public void Proposal_to_a_follower_is_refused()
    {
        var net = Network.OfSize(3);
        net.Elect(1);

        var result = net[2].Raft.Propose(Build.Command("x"), out var index);

        result.Should().Be(ProposeResult.NotLeader);
        index.Should().Be(0);
        net[2].Raft.LeaderId.Should().Be(1, "the refusal comes with a hint of where to go");
    }

    [Fact]
    public void Stale_rejection_does_not_move_next_below_match()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        net.Propose(1, "a");
        net.Stabilize();
        var before = (leader.Progress[2].Match, leader.Progress[2].Next);

        // A rejection of an early probe, delayed in the network, arrives after node 2 has caught up.
        leader.Step(new Message { Type = MessageType.AppendResponse, From = 2, To = 1, Term = leader.Term, Index = 0, Reject = true, RejectHint = 0 });

        (leader.Progress[2].Match, leader.Progress[2].Next).Should().Be(before);
    }

    [Fact]
    public void Heartbeat_never_tells_a_follower_to_commit_past_its_match()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        net.Isolate(3);
        net.Propose(1, "a");
        net.Propose(1, "b");
        net.Stabilize();
        net.Heal();
        var sentBefore = net.Sent.Count;

        net.TickAll();

        var heartbeat = net.Sent.Skip(sentBefore).First(m => m.Type == MessageType.Heartbeat && m.To == 3);
        heartbeat.Commit.Should().BeLessThan(leader.CommitIndex, "node 3's log beyond what it acknowledged may still differ");
    }

    [Fact]
    public void Deposed_leader_discards_its_uncommitted_entries()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        net.Isolate(1);
        var lostIndex = net.Propose(1, "lost");
        net.Stabilize();
        net.TickUntil(() => net.Leaders.Any(n => n.Id != 1));
        var newLeader = net.Leaders.First(n => n.Id != 1);
        net.Propose(newLeader.Id, "kept");
        net.Stabilize();

        net.Heal();
        net.TickAll(5);

        net[1].LogIds().Should().Equal(newLeader.LogIds());
        net[1].Raft.TermAt(lostIndex).Should().NotBe(1, "the entry it wrote alone in its old term was overwritten");
        net.Nodes.Should().OnlyContain(n => n.State.SequenceEqual(new[] { "kept" }));
    }
}
