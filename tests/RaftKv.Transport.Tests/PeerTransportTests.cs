using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Transport.Tests.TestSupport;
using Xunit.Abstractions;

namespace RaftKv.Transport.Tests;

public sealed class PeerTransportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_nodes_deliver_messages_to_each_other()
    {
        await using var a = TestNode.Start(0);
        await using var b = TestNode.Start(1);
        var log = new CapturingLogger();
        await using var fromA = new PeerSender(TestNode.Options(0), Peers((1, $"127.0.0.1:{b.EndPoint.Port}")), log);
        await using var fromB = new PeerSender(TestNode.Options(1), Peers((0, $"localhost:{a.EndPoint.Port}")), log);
        await Eventually.HoldsAsync(() => fromA.IsConnected(1) && fromB.IsConnected(0), "both links are up");

        var append = MessageCodecTests.FullMessage(MessageType.Append) with { From = 0, To = 1 };
        var snapshot = MessageCodecTests.FullMessage(MessageType.Snapshot) with { From = 0, To = 1 };
        var reply = MessageCodecTests.FullMessage(MessageType.AppendResponse) with { From = 1, To = 0 };
        fromA.Send(append);
        fromA.Send(snapshot);
        fromB.Send(reply);

        // The snapshot travels on a stream of its own (SnapshotStreamer), so it may overtake the append or fall behind it.
        var atB = new[] { await b.ReceiveAsync(), await b.ReceiveAsync() };
        atB.Single(m => m.Type == MessageType.Append).Should().BeEquivalentTo(append, o => o.ComparingRecordsByMembers());
        var gotSnapshot = atB.Single(m => m.Type == MessageType.Snapshot);
        gotSnapshot.Should().BeEquivalentTo(snapshot, o => o.ComparingRecordsByMembers().Excluding(m => m.Snapshot!.Data));
        SnapshotBytes.ReadAll(gotSnapshot.Snapshot!.Data).Should().Equal(SnapshotBytes.ReadAll(snapshot.Snapshot!.Data));
        ((IDisposable)gotSnapshot.Snapshot.Data).Dispose();
        (await a.ReceiveAsync()).Should().BeEquivalentTo(reply, o => o.ComparingRecordsByMembers());
        fromA.DroppedMessages.Should().Be(0);
    }

    [Fact]
    public async Task Sender_reconnects_after_the_receiver_restarts_on_the_same_port()
    {
        var b = TestNode.Start(1);
        var port = b.EndPoint.Port;
        var log = new CapturingLogger();
        await using var fromA = new PeerSender(TestNode.Options(0), Peers((1, $"127.0.0.1:{port}")), log);
        try
        {
            await Eventually.HoldsAsync(() => fromA.IsConnected(1), "the link is up");
            fromA.Send(Heartbeat(1));
            (await b.ReceiveAsync()).Commit.Should().Be(1);

            await b.DisposeAsync();
            await Eventually.HoldsAsync(() => !fromA.IsConnected(1), "the sender notices the receiver is gone");
            await Eventually.HoldsAsync(() => log.Lines.Count(l => l.Text.StartsWith("Dialing peer 1", StringComparison.Ordinal)) >= 2,
                "the sender has retried a few times");
            b = TestNode.Start(TestNode.Options(1, port));
            await Eventually.HoldsAsync(() => fromA.IsConnected(1), "the link is up again");
            fromA.Send(Heartbeat(2));

            (await b.ReceiveAsync()).Commit.Should().Be(2);
            log.Lines.Where(l => l.Text.StartsWith("Peer 1 at", StringComparison.Ordinal) && l.Text.Contains("closed the connection", StringComparison.Ordinal))
                .Should().ContainSingle("a lost peer is reported once, not once per retry")
                .Which.Level.Should().Be(LogLevel.Information, "a peer's clean shutdown is news, not a warning");
            log.Warnings.Should().NotContain(w => w.StartsWith("Lost connection to peer 1", StringComparison.Ordinal));
            log.Lines.Count(l => l.Text.StartsWith("Connected to peer 1", StringComparison.Ordinal)).Should().Be(2);
        }
        finally
        {
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_burst_of_messages_arrives_complete_and_in_order()
    {
        const int batches = 50, perBatch = 1_000;
        await using var b = TestNode.Start(1);
        await using var fromA = new PeerSender(TestNode.Options(0), Peers((1, $"127.0.0.1:{b.EndPoint.Port}")), new CapturingLogger());
        await Eventually.HoldsAsync(() => fromA.IsConnected(1), "the link is up");

        var clock = Stopwatch.StartNew();
        var received = new List<long>();
        for (var batch = 0; batch < batches; batch++)
        {
            // One batch at a time stays within the queue, so nothing is dropped for lack of room.
            for (var i = 0; i < perBatch; i++) fromA.Send(Heartbeat(batch * perBatch + i));
            while (received.Count < (batch + 1) * perBatch) received.Add((await b.ReceiveAsync()).Commit);
        }
        clock.Stop();

        received.Should().Equal(Enumerable.Range(0, batches * perBatch).Select(i => (long)i));
        fromA.DroppedMessages.Should().Be(0);
        output.WriteLine($"{batches * perBatch} heartbeats in {clock.ElapsedMilliseconds} ms: {batches * perBatch / clock.Elapsed.TotalSeconds:0} messages/s (informational)");
    }

    [Fact]
    public async Task Every_message_is_either_written_or_counted_as_dropped_when_the_queue_overflows()
    {
        const int count = 20_000;
        await using var b = TestNode.Start(1);
        var options = TestNode.Options(0) with { PeerQueueCapacity = 16 };
        await using var fromA = new PeerSender(options, Peers((1, $"127.0.0.1:{b.EndPoint.Port}")), new CapturingLogger());
        await Eventually.HoldsAsync(() => fromA.IsConnected(1), "the link is up");

        for (var i = 0; i < count; i++) fromA.Send(Heartbeat(i));

        await Eventually.HoldsAsync(() => fromA.SentMessages + fromA.DroppedMessages == count, "every message is accounted for");
        var delivered = new List<long>();
        while (delivered.Count < fromA.SentMessages) delivered.Add((await b.ReceiveAsync()).Commit);
        delivered.Should().BeInAscendingOrder("what is not dropped keeps its order");
    }

    [Fact]
    public async Task Messages_to_an_unreachable_or_unknown_peer_are_dropped_and_counted_without_blocking()
    {
        var log = new CapturingLogger();
        await using var fromA = new PeerSender(TestNode.Options(0), Peers((1, $"127.0.0.1:{ClosedPort()}"), (0, "127.0.0.1:1")), log);

        for (var i = 0; i < 10; i++) fromA.Send(Heartbeat(i));
        fromA.Send(Heartbeat(10) with { To = 7 });
        fromA.Send(Heartbeat(11) with { To = 7 });

        fromA.DroppedMessages.Should().Be(12);
        fromA.IsConnected(1).Should().BeFalse();
        fromA.IsConnected(7).Should().BeFalse();
        log.Warnings.Where(w => w.Contains("node 7", StringComparison.Ordinal)).Should().ContainSingle("an unknown peer is reported once");
        await Eventually.HoldsAsync(() => log.Lines.Any(l => l.Text.StartsWith("Cannot reach peer 1", StringComparison.Ordinal)),
            "the unreachable peer is reported");
    }

    [Fact]
    public void Sender_refuses_a_malformed_peer_address()
    {
        var act = () => new PeerSender(TestNode.Options(0), Peers((1, "no-port-here")), new CapturingLogger());

        act.Should().Throw<ArgumentException>().WithMessage("*no-port-here*");
    }

    [Fact]
    public async Task A_peer_just_removed_still_receives_messages_during_the_grace_period()
    {
        // The leader tells a member whose removal committed, and repeats it with its heartbeats: those messages are
        // sent after the peer left the peer set, and must still reach it.
        await using var b = TestNode.Start(1);
        await using var fromA = new PeerSender(TestNode.Options(0), Peers((1, $"127.0.0.1:{b.EndPoint.Port}")), new CapturingLogger());
        await Eventually.HoldsAsync(() => fromA.IsConnected(1), "the link is up");

        fromA.UpdatePeers(new Dictionary<int, string>());
        fromA.Send(Heartbeat(7));
        fromA.Send(Heartbeat(8));

        (await b.ReceiveAsync()).Commit.Should().Be(7);
        (await b.ReceiveAsync()).Commit.Should().Be(8);
        fromA.IsConnected(1).Should().BeFalse("the removed peer is no longer one of the peers");
    }

    private static Message Heartbeat(long commit) => new() { Type = MessageType.Heartbeat, From = 0, To = 1, Term = 1, Commit = commit };

    private static Dictionary<int, string> Peers(params (int Id, string Address)[] peers) => peers.ToDictionary(p => p.Id, p => p.Address);

    /// <summary>A loopback port nobody listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
