namespace RaftKv.Core.Tests.Rules;

/// <summary>Flow control on the leader: batching, pipelining within a window, and message size limits.</summary>
public sealed class FlowControlRules
{
    private static IEnumerable<Message> AppendsWithEntriesTo(IEnumerable<Message> messages, int to) =>
        messages.Where(m => m.Type == MessageType.Append && m.To == to && m.Entries.Length > 0);

    [Fact]
    public void Proposals_in_one_ready_go_out_as_one_append_per_follower()
    {
        var net = Network.OfSize(3);
        net.Elect(1);

        for (var i = 0; i < 10; i++) net.Propose(1, $"c{i}");
        var sent = net.ProcessReady(1);

        var appends = sent.Where(m => m.Type == MessageType.Append).ToArray();
        appends.Select(m => m.To).Should().BeEquivalentTo([2, 3]);
        appends.Should().OnlyContain(m => m.Entries.Length == 10);
    }

    [Fact]
    public void Leader_pipelines_appends_up_to_max_inflight_then_pauses()
    {
        var net = Network.OfSize(3, o => o with { MaxInflightMessages = 3 });
        net.Elect(1);
        var sentBefore = net.Sent.Count;

        // Five proposals, each handled in its own Ready, while no reply comes back.
        for (var i = 0; i < 5; i++)
        {
            net.Propose(1, $"c{i}");
            net.ProcessReady(1);
        }

        AppendsWithEntriesTo(net.InFlight, 2).Should().HaveCount(3, "three appends are outstanding without waiting for replies");
        net.Stabilize(); // now replies flow: the window reopens and the rest is sent

        net[2].Raft.LastIndex.Should().Be(net[1].Raft.LastIndex);
        AppendsWithEntriesTo(net.Sent.Skip(sentBefore), 2).Skip(3).First().Entries.Should().HaveCount(2,
            "the entries held back while paused go out together when the window reopens");
    }

    [Fact]
    public void Each_acknowledgement_reopens_the_pipeline_window()
    {
        var net = Network.OfSize(3, o => o with { MaxInflightMessages = 2 });
        net.Elect(1);
        for (var i = 0; i < 4; i++)
        {
            net.Propose(1, $"c{i}");
            net.ProcessReady(1);
        }
        AppendsWithEntriesTo(net.InFlight, 2).Should().HaveCount(2);

        net.Deliver(m => m.To == 2 && m.Type == MessageType.Append && m.Entries[0].Index == net[1].Raft.LastIndex - 3);
        net.Deliver(m => m.From == 2 && m.Type == MessageType.AppendResponse);

        var outstanding = AppendsWithEntriesTo(net.InFlight, 2).ToArray();
        outstanding.Should().HaveCount(2, "one acknowledged, one more sent");
        outstanding[^1].Entries.Select(e => e.Index).Should().Equal(net[1].Raft.LastIndex - 1, net[1].Raft.LastIndex);
    }

    [Fact]
    public void Append_messages_are_split_at_max_message_bytes()
    {
        // Each entry is 26 bytes of data plus 24 of overhead: two fit in 100 bytes, three do not.
        var net = Network.OfSize(3, o => o with { MaxMessageBytes = 100 });
        net.Elect(1);

        for (var i = 0; i < 6; i++) net[1].Raft.Propose(new byte[26], out _);
        net.Stabilize();

        var appends = AppendsWithEntriesTo(net.Sent, 2).Where(m => m.Entries[0].Index > 1).ToArray();
        appends.Should().HaveCount(3).And.OnlyContain(m => m.Entries.Length == 2);
        net[2].Raft.LastIndex.Should().Be(net[1].Raft.LastIndex);
    }

    [Fact]
    public void Entry_larger_than_max_message_bytes_is_still_sent_alone()
    {
        var net = Network.OfSize(3, o => o with { MaxMessageBytes = 100 });
        net.Elect(1);

        net[1].Raft.Propose(new byte[500], out var big);
        net[1].Raft.Propose(new byte[10], out var small);
        net.Stabilize();

        AppendsWithEntriesTo(net.Sent, 2).Select(m => m.Entries.Select(e => e.Index).ToArray())
            .Should().ContainEquivalentOf(new[] { big }).And.ContainEquivalentOf(new[] { small });
        net[2].Raft.LastIndex.Should().Be(small);
    }

    [Fact]
    public void Leader_probes_one_append_at_a_time_until_the_follower_answers()
    {
        var net = Network.OfSize(3);
        net.Elect(1);
        net.Isolate(3);
        for (var i = 0; i < 5; i++) net.Propose(1, $"c{i}");
        net.Stabilize();
        net.TickAll(25); // the silent pipeline to 3 falls back to probing
        net.Heal();

        var before = net.Sent.Count;
        net.Propose(1, "c5");
        net.ProcessReady(1);
        net.ProcessReady(1);

        net.Sent.Skip(before).Count(m => m.Type == MessageType.Append && m.To == 3)
            .Should().BeLessThanOrEqualTo(1, "a probe is outstanding, so nothing more is sent to node 3");
        net.TickAll(2);
        net[3].State.Should().Equal("c0", "c1", "c2", "c3", "c4", "c5");
    }

    [Fact]
    public void Unreachable_follower_is_probed_instead_of_streamed_to()
    {
        var net = Network.OfSize(3);
        var leader = net.Elect(1).Raft;
        net.Propose(1, "a");
        net.Stabilize();
        leader.Progress[2].State.Should().Be(Tracking.ProgressState.Replicate);

        leader.ReportUnreachable(2);

        leader.Progress[2].State.Should().Be(Tracking.ProgressState.Probe);
        leader.Progress[2].Next.Should().Be(leader.Progress[2].Match + 1, "probing restarts from what is known to match");
        net.Propose(1, "b");
        net.Stabilize();
        leader.Progress[2].State.Should().Be(Tracking.ProgressState.Replicate, "the first answer resumes streaming");
        net[2].Raft.LastIndex.Should().Be(leader.LastIndex);
    }
}
