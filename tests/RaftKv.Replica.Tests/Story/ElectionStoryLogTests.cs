using RaftKv.Core;
using RaftKv.Protocol;
using RaftKv.Replica.Io;
using Xunit.Abstractions;

namespace RaftKv.Replica.Tests.Story;

/// <summary>
/// The node log tells the election's story (issue 12): a follower says why it refused a vote or a pre-vote, a leader
/// says why it stepped down, a split vote is visible, and every line is a sentence. Driven on replicas of the shipped
/// type (the process tests in RaftKv.Http.Tests cover the higher-term and handover step-downs end to end).
/// </summary>
public sealed class ElectionStoryLogTests(ITestOutputHelper output)
{
    /// <summary>Node 2 misses node 0's election and its no-op (its log is empty; the others hold entry 1 of term 1), then node 0 is cut off.</summary>
    private static StoryCluster BehindNodeTwo(bool preVote)
    {
        var cluster = new StoryCluster(3, preVote: preVote, checkQuorum: false);
        cluster.Isolate(2);
        cluster.Elect(0);
        cluster.Heal();
        cluster.Isolate(0);
        // Node 1 stops hearing its leader: after an election timeout its leader lease is over, so it answers node 2's
        // requests instead of ignoring them (thesis §4.2.3; the lease holds with or without CheckQuorum).
        for (var i = 0; i < 10; i++) cluster.Tick(1);
        return cluster;
    }

    [Fact]
    public void Follower_says_it_refused_a_vote_because_the_candidates_log_is_behind()
    {
        var cluster = BehindNodeTwo(preVote: false);

        cluster.TickUntil(() => cluster.Logs[1].Lines.Any(l => l.StartsWith("Refused its vote to node 2 for term 2", StringComparison.Ordinal)),
            "node 1 refuses node 2's vote in term 2", only: 2);

        Story(cluster).Should().Contain(
            "1: Refused its vote to node 2 for term 2: its log (last entry: term 0, index 0) is behind this node's (last entry: term 1, index 1)");
        Story(cluster).Should().Contain("2: Node 1 refused its vote for term 2");
    }

    [Fact]
    public void Follower_says_it_refused_a_pre_vote_because_the_candidates_log_is_behind()
    {
        var cluster = BehindNodeTwo(preVote: true);

        cluster.TickUntil(() => cluster.Logs[1].Lines.Any(l => l.StartsWith("Refused a pre-vote to node 2 for term 2", StringComparison.Ordinal)),
            "node 1 refuses node 2's pre-vote for term 2", only: 2);

        Story(cluster).Should().Contain(
            "1: Refused a pre-vote to node 2 for term 2: its log (last entry: term 0, index 0) is behind this node's (last entry: term 1, index 1)");
        cluster[1].Core.Term.Should().Be(1, "a refused pre-vote moves no term");
    }

    [Fact]
    public void Follower_says_it_refused_a_pre_vote_for_a_term_that_is_not_newer_than_its_own()
    {
        var cluster = BehindNodeTwo(preVote: true);

        cluster.TickUntil(() => cluster.Logs[1].Lines.Any(l => l.StartsWith("Refused a pre-vote to node 2 for term 1", StringComparison.Ordinal)),
            "node 1 refuses node 2's pre-vote for term 1", only: 2);

        Story(cluster).Should().Contain(
            "1: Refused a pre-vote to node 2 for term 1: the pre-vote is not for a term newer than 1, and this node already voted for node 0 in term 1");
    }

    [Fact]
    public void Follower_and_leader_say_they_ignored_a_pre_vote_while_they_hear_a_leader()
    {
        var cluster = new StoryCluster(3);
        cluster.Elect(0);

        cluster.Campaign(2); // as a node that cannot hear the leader would
        cluster.Settle();

        var story = Story(cluster);
        story.Should().Contain(
            "1: Ignored a pre-vote request of node 2 for term 2: node 0 leads term 1 and was heard from within the election timeout (leader lease)");
        story.Should().Contain(
            "0: Ignored a pre-vote request of node 2 for term 2: this node leads term 1 and was heard from within the election timeout (leader lease)");
        cluster.Leader.Should().Be(0);
        cluster[0].Core.Term.Should().Be(1, "the healthy leader was not disturbed");
    }

    [Fact]
    public void Split_vote_shows_as_each_candidate_refusing_the_other_and_an_election_without_winner()
    {
        var cluster = new StoryCluster(3);
        cluster.Elect(0);
        cluster.Isolate(0);
        cluster.Campaign(1);
        cluster.Campaign(2);
        cluster.Settle();
        cluster.TickUntil(() => cluster.Leader is 1 or 2, "node 1 or node 2 leads");

        var story = Story(cluster);
        story.Should().Contain("1: Refused its vote to node 2 for term 2: this node already voted for node 1 in term 2");
        story.Should().Contain("2: Refused its vote to node 1 for term 2: this node already voted for node 2 in term 2");
        story.Should().Contain(l => l.EndsWith(
            ": No winner in the election for term 2 (a split vote, or too few voters reachable); a new election follows after a random timeout",
            StringComparison.Ordinal));
        cluster[cluster.Leader!.Value].Core.Term.Should().BeGreaterThan(2);
    }

    [Fact]
    public void Leader_that_loses_its_majority_says_it_stepped_down_for_lost_quorum()
    {
        var cluster = new StoryCluster(3);
        cluster.Elect(0);
        cluster.Isolate(1);
        cluster.Isolate(2);

        cluster.TickUntil(() => cluster[0].Core.Role != Role.Leader, "node 0 steps down", only: 0);

        Story(cluster).Should().Contain(
            "0: Stepped down as leader of term 1: lost contact with a majority of voters for an election timeout (CheckQuorum)");
    }

    [Fact]
    public void Leader_removed_from_the_configuration_says_it_stepped_down_for_its_removal()
    {
        var cluster = new StoryCluster(3);
        cluster.Elect(0);

        cluster[0].ProposeConfigChange(new ConfigChange(ConfigChangeType.Remove, 0), out _).Should().Be(ProposeResult.Accepted);
        cluster[0].Flush();
        cluster.Settle();
        cluster.Tick();

        var story = Story(cluster);
        story.Should().Contain("0: Stepped down as leader of term 1: removed from the cluster's configuration");
        story.Should().Contain(l => l.StartsWith("0: This node (0) was removed from the cluster", StringComparison.Ordinal));
    }

    [Fact]
    public void Leader_asked_to_remove_itself_says_it_handed_over_for_its_removal_and_then_that_it_was_removed()
    {
        var cluster = new StoryCluster(3);
        cluster.Elect(0);

        var first = new Call(new ClientRequest { Op = ClientOp.MemberRemove, NodeId = 0 });
        cluster[0].Submit(first);
        cluster[0].Flush();
        cluster.Settle();
        first.Answer!.Status.Should().Be(ClientStatus.NotLeader, "the leader hands over first and sends the client to its successor");
        var successor = cluster.Leader!.Value;
        successor.Should().NotBe(0);
        var retry = new Call(new ClientRequest { Op = ClientOp.MemberRemove, NodeId = 0 });
        cluster[successor].Submit(retry);
        cluster[successor].Flush();
        cluster.Settle();
        cluster.Tick();

        retry.Answer!.Status.Should().Be(ClientStatus.Ok);
        var story = Story(cluster);
        story.Should().Contain($"0: Asked to remove this node, the leader: handing leadership to node {successor} first");
        story.Should().Contain(
            $"0: Stepped down as leader of term 1: handed leadership to node {successor}, which started term 2 and which will remove this node (a member remove of the leader)");
        story.Should().Contain(l => l.StartsWith("0: This node (0) was removed from the cluster", StringComparison.Ordinal));
    }

    [Fact]
    public void Leader_that_hands_over_says_it_stepped_down_for_the_transfer()
    {
        var cluster = new StoryCluster(3);
        cluster.Elect(0);

        cluster[0].TransferLeadership(2).Should().BeTrue();
        cluster[0].Flush();
        cluster.Settle();

        cluster.Leader.Should().Be(2);
        Story(cluster).Should().Contain("0: Stepped down as leader of term 1: handed leadership to node 2, which started term 2");
    }

    private sealed class Call(ClientRequest request) : IClientCall
    {
        public ClientRequest Request { get; } = request;
        public bool GaveUp => false;
        public ClientResponse? Answer { get; private set; }
        public void Complete(ClientResponse response) => Answer = response;
    }

    /// <summary>Every node's lines, "id: message", after checking that each is a sentence (starts with a capital letter).</summary>
    private List<string> Story(StoryCluster cluster)
    {
        var lines = cluster.Logs.SelectMany((log, id) => log.Lines.Select(l => $"{id}: {l}")).ToList();
        foreach (var line in lines) output.WriteLine(line);
        foreach (var (log, id) in cluster.Logs.Select((log, id) => (log, id)))
            log.Lines.Should().OnlyContain(l => l.Length > 0 && char.IsUpper(l[0]), $"node {id}'s log lines are sentences (sentence case)");
        return lines;
    }
}
