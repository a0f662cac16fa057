using System.Net.Sockets;
using RaftKv.Protocol;
using RaftKv.Transport.Tests.TestSupport;

namespace RaftKv.Transport.Tests;

public sealed class ClientServingTests
{
    [Fact]
    public async Task A_hundred_pipelined_requests_on_one_connection_are_all_answered_with_matching_ids()
    {
        // Varying delays make the handler finish out of order, as a real node does (reads before writes, ...).
        var handler = new TestHandler(r => TimeSpan.FromMilliseconds(r.Id * 37 % 20));
        await using var node = TestNode.Start(TestNode.Options(0), handler);
        await using var client = await RawConnection.ConnectClientAsync(node.EndPoint);

        var requests = Enumerable.Range(1, 100).Select(id => RawConnection.FrameOf(
            $$"""{"id":{{id}},"op":"get","key":"k{{id}}"}""")).SelectMany(f => f).ToArray();
        await client.SendRawAsync(requests);
        var responses = new List<ClientResponse>();
        for (var i = 0; i < 100; i++) responses.Add(await client.ReadResponseAsync());

        responses.Select(r => r.Id).Should().BeEquivalentTo(Enumerable.Range(1, 100).Select(id => (long)id));
        responses.Should().OnlyContain(r => r.Status == ClientStatus.Ok && r.Index == r.Id);
    }

    [Fact]
    public async Task A_slow_request_does_not_hold_back_later_requests_on_the_same_connection()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = TestNode.Start(TestNode.Options(0), new GatedHandler(gate.Task));
        await using var client = await RawConnection.ConnectClientAsync(node.EndPoint);

        await client.SendRequestAsync(new ClientRequest { Id = 1, Op = ClientOp.Get, Key = "slow" });
        await client.SendRequestAsync(new ClientRequest { Id = 2, Op = ClientOp.Get, Key = "fast" });

        (await client.ReadResponseAsync()).Id.Should().Be(2);
        gate.SetResult();
        (await client.ReadResponseAsync()).Id.Should().Be(1);
    }

    [Theory]
    [InlineData("bad", ClientStatus.BadRequest, "not allowed")]
    [InlineData("boom", ClientStatus.Unavailable, "exploded")]
    public async Task A_handler_exception_becomes_an_error_response_and_the_connection_stays_usable(string key, ClientStatus status, string error)
    {
        await using var node = TestNode.Start(0);
        await using var client = await RawConnection.ConnectClientAsync(node.EndPoint);

        var failed = await client.AskAsync(new ClientRequest { Id = 7, Op = ClientOp.Get, Key = key });
        var next = await client.AskAsync(new ClientRequest { Id = 8, Op = ClientOp.Get, Key = "fine" });

        failed.Id.Should().Be(7);
        failed.Status.Should().Be(status);
        failed.Error.Should().Contain(error);
        next.Should().BeEquivalentTo(new ClientResponse { Id = 8, Status = ClientStatus.Ok, Index = 8 });
    }

    [Fact]
    public async Task A_client_that_closes_its_sending_side_still_gets_every_answer()
    {
        await using var node = TestNode.Start(TestNode.Options(0), new TestHandler(_ => TimeSpan.FromMilliseconds(20)));
        using var socket = new Socket(node.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(node.EndPoint);
        var frames = new[] { RawConnection.HelloJson("client"), """{"id":1,"op":"status"}""", """{"id":2,"op":"status"}""" }
            .SelectMany(RawConnection.FrameOf).ToArray();
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(frames);
        socket.Shutdown(SocketShutdown.Send);

        var answer = new MemoryStream();
        await stream.CopyToAsync(answer, Eventually.Deadline());

        answer.Length.Should().BeGreaterThan(2 * Frame.HeaderBytes, "both answers arrive before the node closes");
        System.Text.Encoding.UTF8.GetString(answer.ToArray()).Should().Contain("\"id\":1").And.Contain("\"id\":2");
    }

    [Fact]
    public async Task Disposing_the_server_cancels_pending_requests_and_closes_their_connections()
    {
        var never = new TaskCompletionSource();
        var node = TestNode.Start(TestNode.Options(0), new GatedHandler(never.Task));
        await using var client = await RawConnection.ConnectClientAsync(node.EndPoint);
        await client.SendRequestAsync(new ClientRequest { Id = 1, Op = ClientOp.Get, Key = "slow" });
        await Eventually.HoldsAsync(() => node.Server.OpenConnections == 1, "the client is being served");

        await node.DisposeAsync().AsTask().WaitAsync(Eventually.DefaultDeadline);

        (await client.IsClosedByPeerAsync()).Should().BeTrue();
        node.Server.OpenConnections.Should().Be(0);
    }
}
