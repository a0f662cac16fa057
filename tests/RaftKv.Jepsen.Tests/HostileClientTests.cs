using System.Buffers.Binary;
using System.Text.Json;
using RaftKv.Jepsen.Tests.Support;
using RaftKv.Protocol;
using RaftKv.Testing.Processes;
using RaftKv.Testing.Protocol;
using Xunit.Abstractions;

namespace RaftKv.Jepsen.Tests;

/// <summary>
/// Misbehaving clients against a real node (the frame decoder's own hostile-input tests live with the transport):
/// a client that stalls mid-frame, or a crowd that connects and says nothing, must not hold anyone else up.
/// Speed is judged by generous deadlines, never by a stopwatch threshold.
/// </summary>
public sealed class HostileClientTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private LocalCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3 }, CancellationToken.None);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Half_a_frame_that_stalls_does_not_hold_up_a_concurrent_clients_writes()
    {
        using var deadline = new CancellationTokenSource(Generous * 2);
        var leader = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), deadline.Token);
        var address = _cluster.Addresses[leader.Id];

        // Three ways to stop mid-frame: inside a request's payload, inside its length header, inside the hello.
        var stalled = new List<RawConnection>();
        try
        {
            var midPayload = await RawConnection.ConnectAsync(address, hello: true, deadline.Token);
            stalled.Add(midPayload);
            var header = new byte[4 + 10];
            BinaryPrimitives.WriteInt32BigEndian(header, 1000);
            "{\"id\":1,\"o"u8.ToArray().CopyTo(header, 4);
            await midPayload.SendBytesAsync(header, deadline.Token);

            var midHeader = await RawConnection.ConnectAsync(address, hello: true, deadline.Token);
            stalled.Add(midHeader);
            await midHeader.SendBytesAsync(new byte[] { 0, 0 }, deadline.Token);

            var midHello = await RawConnection.ConnectAsync(address, hello: false, deadline.Token);
            stalled.Add(midHello);
            await midHello.SendBytesAsync(new byte[] { 0, 0, 0, 20, (byte)'{' }, deadline.Token);

            await using var client = _cluster.CreateClient();
            using var writes = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            writes.CancelAfter(Generous);
            for (var i = 0; i < 200; i++)
            {
                var response = await client.SetAsync($"key-{i % 10}", JsonSerializer.SerializeToElement(i), writes.Token);
                response.Status.Should().Be(ClientStatus.Ok);
            }

            var last = await client.GetAsync("key-9", stale: false, writes.Token);
            last.Value!.Value.GetRawText().Should().Be("199", "every write went through while three connections sat mid-frame");

            // The stalled requests were never complete, so nothing may have been answered on their connections.
            var answer = midPayload.ReadResponseAsync(CancellationToken.None);
            (await Task.WhenAny(answer, Task.Delay(200, deadline.Token))).Should().NotBe(answer);
        }
        finally
        {
            foreach (var connection in stalled) await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_thousand_idle_connections_do_not_stop_the_node_serving()
    {
        using var deadline = new CancellationTokenSource(Generous * 2);
        var leader = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30), deadline.Token);
        var address = _cluster.Addresses[leader.Id];

        var idle = new List<RawConnection>();
        try
        {
            // Half said hello and went quiet; half never said anything (the node may close those after its hello timeout).
            for (var i = 0; i < 1000; i++)
                idle.Add(await RawConnection.ConnectAsync(address, hello: i % 2 == 0, deadline.Token));
            output.WriteLine($"{idle.Count} idle connections open to node {leader.Id} (leader)");

            await using var client = _cluster.CreateClient();
            using var work = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            work.CancelAfter(Generous);
            for (var i = 0; i < 100; i++)
            {
                var response = await client.SetAsync($"busy-{i % 5}", JsonSerializer.SerializeToElement($"v{i}"), work.Token);
                response.Status.Should().Be(ClientStatus.Ok);
            }

            // The crowded node still answers a fresh connection of its own, and so does every other node.
            await using var fresh = await RawConnection.ConnectAsync(address, hello: true, work.Token);
            var status = await fresh.RequestAsync(new ClientRequest { Id = 1, Op = ClientOp.Status }, work.Token);
            status.Status.Should().Be(ClientStatus.Ok);
            var read = await client.GetAsync("busy-4", stale: false, work.Token);
            read.Value!.Value.GetString().Should().Be("v99");
            var statuses = await _cluster.StatusAllAsync(work.Token);
            statuses.Should().AllSatisfy(s => s.Should().NotBeNull());
        }
        finally
        {
            foreach (var connection in idle) await connection.DisposeAsync();
        }
    }
}
