namespace RaftKv.Core.Tests.Rules;

/// <summary>
/// How a new leader brings divergent followers to its log: the scenarios of Figure 7 of the Raft
/// paper, and the fast back-off with conflict hints (thesis §5.3) that keeps it to a few round trips.
/// </summary>
public sealed class LogRepairRules
{
    // Figure 7: the leader for term 8 and six possible followers (logs by term, index 1 first).
    private static readonly long[] LeaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];

    public static TheoryData<string, long[]> Figure7Followers => new()
    {
        { "a: missing one entry", [1, 1, 1, 4, 4, 5, 5, 6, 6] },
        { "b: missing many entries", [1, 1, 1, 4] },
        { "c: one extra uncommitted entry", [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6] },
        { "d: extra entries of a later term", [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7] },
        { "e: missing entries and extra term-4 entries", [1, 1, 1, 4, 4, 4, 4] },
        { "f: many entries of terms 2 and 3 that no one else has", [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3] },
    };

    [Theory]
    [MemberData(nameof(Figure7Followers))]
    public void Leader_brings_figure7_follower_to_its_log(string scenario, long[] followerLog)
    {
        // Node 3 holds the leader's log so the leader can win even where the follower refuses its vote (c, d).
        var voters = new[] { 1, 2, 3 };
        var net = new Network(
            Build.Node(1, voters, LeaderLog, term: 7),
            Build.Node(2, voters, followerLog, term: 7),
            Build.Node(3, voters, LeaderLog, term: 7));

        var leader = net.Elect(1);
        net.TickAll(3);

        leader.Raft.Term.Should().Be(8);
        net[2].LogIds().Should().Equal(leader.LogIds(), scenario);
        net[2].Storage.Entries.Select(e => (e.Index, e.Term)).Should().Equal(leader.LogIds(), "the disk holds what the log holds");
        net[2].Raft.CommitIndex.Should().Be(leader.Raft.LastIndex);
    }

    [Fact]
    public void Leader_of_figure7_is_elected_and_repairs_all_six_followers()
    {
        var followers = Figure7Followers.Select(row => (long[])row[1]).ToArray();
        var voters = Build.Ids(7);
        var nodes = new List<TestNode> { Build.Node(1, voters, LeaderLog, term: 7) };
        nodes.AddRange(followers.Select((log, i) => Build.Node(i + 2, voters, log, term: 7)));
        var net = new Network([.. nodes]);

        var leader = net.Elect(1); // wins with a, b, e and f: c and d have more up-to-date logs and refuse
        net.TickAll(3);

        net.Nodes.Should().OnlyContain(n => n.LogIds().SequenceEqual(leader.LogIds()));
        leader.LogIds().Should().HaveCount(11, "the ten entries of the figure and the leader's no-op");
        net.Delivered.Where(m => m.Type == MessageType.VoteResponse && m.Reject).Select(m => m.From)
            .Should().BeEquivalentTo([4, 5]);
    }

    [Fact]
    public void Leader_backs_off_fast_with_conflict_term_hint()
    {
        // Node 2 holds 50 entries of term 2 that no one else has; the leader's log has 50 of term 3 there.
        var voters = new[] { 1, 2, 3 };
        long[] leaderLog = [1, .. Enumerable.Repeat(3L, 50)];
        long[] staleLog = [1, .. Enumerable.Repeat(2L, 50)];
        var net = new Network(
            Build.Node(1, voters, leaderLog, term: 3, commit: 1),
            Build.Node(2, voters, staleLog, term: 3, commit: 1),
            Build.Node(3, voters, leaderLog, term: 3, commit: 1));

        var leader = net.Elect(1);

        var rejections = net.Delivered.Count(m => m.Type == MessageType.AppendResponse && m.From == 2 && m.Reject);
        rejections.Should().BeInRange(1, 2, "one hint skips every entry of term 2, not one index per round trip");
        net[2].LogIds().Should().Equal(leader.LogIds());
    }

    [Fact]
    public void Leader_backs_off_over_several_terms_in_one_step_each()
    {
        // The follower's divergent suffix spans terms 2, 3 and 4; the leader's spans 5.
        var voters = new[] { 1, 2, 3 };
        long[] leaderLog = [1, 5, 5, 5, 5, 5, 5, 5, 5, 5];
        long[] staleLog = [1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4];
        var net = new Network(
            Build.Node(1, voters, leaderLog, term: 5, commit: 1),
            Build.Node(2, voters, staleLog, term: 5, commit: 1),
            Build.Node(3, voters, leaderLog, term: 5, commit: 1));

        var leader = net.Elect(1);

        net.Delivered.Count(m => m.Type == MessageType.AppendResponse && m.From == 2 && m.Reject)
            .Should().BeLessThanOrEqualTo(2, "the leader has no entry of terms 2-4, so the first hint already lands on index 1");
        net[2].LogIds().Should().Equal(leader.LogIds());
    }

    [Fact]
    public void Leader_resends_entries_to_a_follower_that_lost_what_it_acknowledged()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1);
        for (var i = 0; i < 5; i++) net.Propose(1, $"x{i}");
        net.Stabilize();
        var last = leader.Raft.LastIndex;
        leader.Raft.Progress[3].Match.Should().Be(last);

        // Follower 3 comes back holding only the first entry (its disk lost what it had acknowledged) and
        // says so in its heartbeat reply: the leader must probe it again instead of believing the old Match.
        leader.Raft.Step(new Message { Type = MessageType.HeartbeatResponse, From = 3, To = 1, Term = leader.Raft.Term, Index = 1 });
        var ready = leader.Raft.GetReady();

        leader.Raft.Progress[3].Match.Should().Be(1);
        ready.AllMessages.Should().Contain(m => m.Type == MessageType.Append && m.To == 3 && m.Index == 1 && m.Entries.Length == last - 1);
        leader.Raft.CommitIndex.Should().Be(last, "what was committed stays committed");
    }
}
