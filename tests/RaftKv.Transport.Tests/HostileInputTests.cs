using System.Buffers.Binary;
using RaftKv.Core;
using RaftKv.Protocol;
using RaftKv.Transport.Tests.TestSupport;

namespace RaftKv.Transport.Tests;

/// <summary>Whatever one connection sends, only that connection suffers, and the node says why once.</summary>
public sealed class HostileInputTests
{
    private static readonly string PeerHello = RawConnection.HelloJson("peer", TestNode.ClusterId, 1);

    [Theory]
    [InlineData("garbage bytes", "exceeds the limit")]
    [InlineData("huge length prefix before the hello", "exceeds the limit")]
    [InlineData("huge length prefix after a client hello", "exceeds the limit")]
    [InlineData("huge length prefix after a peer hello", "exceeds the limit")]
    [InlineData("invalid JSON hello", "hello")]
    [InlineData("request instead of hello", "role")]
    [InlineData("unknown role", "unknown role 'admin'")]
    [InlineData("peer of another cluster", "cluster 'other-cluster'")]
    [InlineData("peer without node id", "node id")]
    [InlineData("peer claiming our own id", "own id")]
    [InlineData("invalid JSON request", "client request")]
    [InlineData("invalid JSON message", "peer message")]
    [InlineData("unknown message type", "peer message")]
    [InlineData("negative index", "index is -1")]
    [InlineData("message from an impostor", "claiming to be from node 2")]
    [InlineData("message for another node", "for node 5")]
    public async Task A_misbehaving_connection_is_closed_with_one_logged_reason_and_others_are_still_served(string attack, string reason)
    {
        await using var node = TestNode.Start(0);
        await using var bystander = await RawConnection.ConnectClientAsync(node.EndPoint);
        (await bystander.AskAsync(new ClientRequest { Id = 1, Op = ClientOp.Status })).Status.Should().Be(ClientStatus.Ok);
        await using var attacker = await RawConnection.ConnectAsync(node.EndPoint);

        await attacker.SendRawAsync(Attack(attack));

        (await attacker.IsClosedByPeerAsync()).Should().BeTrue("the node closes the misbehaving connection");
        await Eventually.HoldsAsync(() => node.Log.Warnings.Count > 0, "the reason is logged");
        node.Log.Warnings.Should().ContainSingle().Which.Should().Contain(reason);
        (await bystander.AskAsync(new ClientRequest { Id = 2, Op = ClientOp.Status })).Status.Should().Be(ClientStatus.Ok);
        await using var newcomer = await RawConnection.ConnectClientAsync(node.EndPoint);
        (await newcomer.AskAsync(new ClientRequest { Id = 3, Op = ClientOp.Status })).Status.Should().Be(ClientStatus.Ok);
        node.Inbound.Reader.Count.Should().Be(0, "nothing from the attacker reached the Raft core");
    }

    [Fact]
    public async Task A_connection_that_sends_no_hello_is_closed_after_the_hello_timeout()
    {
        await using var node = TestNode.Start(TestNode.Options(0) with { HelloTimeout = TimeSpan.FromMilliseconds(200) });
        await using var silent = await RawConnection.ConnectAsync(node.EndPoint);

        (await silent.IsClosedByPeerAsync()).Should().BeTrue();
        await Eventually.HoldsAsync(() => node.Log.Warnings.Count > 0, "the reason is logged");
        node.Log.Warnings.Should().ContainSingle().Which.Should().Contain("no hello within 0.2 s");
    }

    [Fact]
    public async Task Clients_stalled_in_the_middle_of_a_frame_do_not_delay_another_client()
    {
        var handler = new TestHandler();
        await using var node = TestNode.Start(TestNode.Options(0), handler);
        await using var stalledInHello = await RawConnection.ConnectAsync(node.EndPoint);
        await stalledInHello.SendRawAsync(RawConnection.FrameOf(RawConnection.HelloJson("client"))[..7]);
        await using var stalledInRequest = await RawConnection.ConnectClientAsync(node.EndPoint);
        await stalledInRequest.SendRawAsync(RawConnection.FrameOf("""{"id":1,"op":"get","key":"k"}""")[..10]);
        await Eventually.HoldsAsync(() => node.Server.OpenConnections == 2, "both stalled connections are open");

        await using var client = await RawConnection.ConnectClientAsync(node.EndPoint);
        for (var id = 1; id <= 20; id++)
            (await client.AskAsync(new ClientRequest { Id = id, Op = ClientOp.Get, Key = "k" })).Id.Should().Be(id);

        node.Server.OpenConnections.Should().Be(3, "the stalled clients are still connected, just not answered");
        handler.Handled.Should().Be(20);
    }

    [Fact]
    public async Task A_thousand_idle_connections_do_not_stop_the_node_from_answering()
    {
        await using var node = TestNode.Start(0);
        var idle = new List<RawConnection>();
        try
        {
            for (var batch = 0; batch < 10; batch++)
                idle.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => RawConnection.ConnectClientAsync(node.EndPoint))));
            await Eventually.HoldsAsync(() => node.Server.OpenConnections == 1_000, "all idle connections are being served");

            await using var client = await RawConnection.ConnectClientAsync(node.EndPoint);
            var answer = await client.AskAsync(new ClientRequest { Id = 1, Op = ClientOp.Status });

            answer.Status.Should().Be(ClientStatus.Ok);
            node.Server.OpenConnections.Should().Be(1_001);
        }
        finally
        {
            foreach (var connection in idle) await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Connections_over_the_limit_are_refused_with_a_log_line()
    {
        await using var node = TestNode.Start(TestNode.Options(0) with { MaxConnections = 3 });
        var first = await RawConnection.ConnectClientAsync(node.EndPoint);
        await using var second = await RawConnection.ConnectClientAsync(node.EndPoint);
        await using var third = await RawConnection.ConnectClientAsync(node.EndPoint);
        await Eventually.HoldsAsync(() => node.Server.OpenConnections == 3, "three connections are served");

        await using var fourth = await RawConnection.ConnectClientAsync(node.EndPoint);
        await using var fifth = await RawConnection.ConnectClientAsync(node.EndPoint);

        (await fourth.IsClosedByPeerAsync()).Should().BeTrue();
        (await fifth.IsClosedByPeerAsync()).Should().BeTrue();
        node.Log.Warnings.Should().ContainSingle("refusals are logged at most once per interval").Which.Should().Contain("maximum of 3");
        await first.DisposeAsync();
        await Eventually.HoldsAsync(() => node.Server.OpenConnections == 2, "the closed connection is released");
        await using var sixth = await RawConnection.ConnectClientAsync(node.EndPoint);
        (await sixth.AskAsync(new ClientRequest { Id = 1, Op = ClientOp.Status })).Status.Should().Be(ClientStatus.Ok);
    }

    private static byte[] Attack(string name) => name switch
    {
        "garbage bytes" => [0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x13, 0x37, 0xFF, 0x7B, 0x22],
        "huge length prefix before the hello" => HugePrefix(),
        "huge length prefix after a client hello" => [.. RawConnection.FrameOf(RawConnection.HelloJson("client")), .. HugePrefix()],
        "huge length prefix after a peer hello" => [.. RawConnection.FrameOf(PeerHello), .. HugePrefix()],
        "invalid JSON hello" => RawConnection.FrameOf("""{"role":"client" """),
        "request instead of hello" => RawConnection.FrameOf("""{"id":1,"op":"get","key":"k"}"""),
        "unknown role" => RawConnection.FrameOf("""{"role":"admin"}"""),
        "peer of another cluster" => RawConnection.FrameOf(RawConnection.HelloJson("peer", "other-cluster", 1)),
        "peer without node id" => RawConnection.FrameOf(RawConnection.HelloJson("peer", TestNode.ClusterId)),
        "peer claiming our own id" => RawConnection.FrameOf(RawConnection.HelloJson("peer", TestNode.ClusterId, 0)),
        "invalid JSON request" => [.. RawConnection.FrameOf(RawConnection.HelloJson("client")), .. RawConnection.FrameOf("""{"id":1,"op":""")],
        "invalid JSON message" => [.. RawConnection.FrameOf(PeerHello), .. RawConnection.FrameOf("{{{")],
        "unknown message type" => [.. RawConnection.FrameOf(PeerHello), .. RawConnection.FrameOf("""{"type":"launchMissiles","from":1,"to":0}""")],
        "negative index" => [.. RawConnection.FrameOf(PeerHello), .. RawConnection.FrameOf("""{"type":"vote","from":1,"to":0,"index":-1}""")],
        "message from an impostor" => [.. RawConnection.FrameOf(PeerHello), .. RawConnection.FrameOf(new Message { Type = MessageType.Vote, From = 2, To = 0 })],
        "message for another node" => [.. RawConnection.FrameOf(PeerHello), .. RawConnection.FrameOf(new Message { Type = MessageType.Vote, From = 1, To = 5 })],
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such attack"),
    };

    private static byte[] HugePrefix()
    {
        var prefix = new byte[Frame.HeaderBytes];
        BinaryPrimitives.WriteInt32BigEndian(prefix, int.MaxValue);
        return prefix;
    }
}
