using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using RaftKv.Jepsen.Tests.Support;
using RaftKv.Testing.Faults;

namespace RaftKv.Jepsen.Tests;

/// <summary>The fault proxy on its own, in front of an echo server.</summary>
public sealed class FaultProxyTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Healthy_proxy_forwards_bytes_both_ways_in_order()
    {
        await using var echo = new EchoServer();
        await using var proxy = FaultProxy.Start("test", echo.EndPoint);
        using var deadline = new CancellationTokenSource(Deadline);
        using var socket = await ConnectAsync(proxy, deadline.Token);

        var sent = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i},")));
        await socket.SendAsync(sent, SocketFlags.None, deadline.Token);
        var received = await ReceiveAsync(socket, sent.Length, deadline.Token);

        received.Should().Equal(sent);
        proxy.BytesForwarded.Should().Be(2L * sent.Length, "every byte went through once each way");
    }

    [Fact]
    public async Task Refusing_cut_closes_open_connections_and_resets_new_ones_until_healed()
    {
        await using var echo = new EchoServer();
        await using var proxy = FaultProxy.Start("test", echo.EndPoint);
        using var deadline = new CancellationTokenSource(Deadline);
        using var open = await ConnectAsync(proxy, deadline.Token);
        await RoundTripAsync(open, "before", deadline.Token);

        proxy.Cut(CutStyle.Refuse);

        (await ReadToEndOrFailAsync(open, deadline.Token)).Should().BeTrue("the open connection is closed by the cut");
        (await ConnectIsResetAsync(proxy, deadline.Token)).Should().BeTrue("a new connection is reset at once");
        await WaitUntilAsync(() => proxy.ConnectionsRefused >= 1, deadline.Token);

        proxy.Heal();
        using var after = await ConnectAsync(proxy, deadline.Token);
        await RoundTripAsync(after, "after", deadline.Token);
    }

    [Fact]
    public async Task Blackhole_swallows_bytes_silently_and_heal_closes_the_damaged_connection()
    {
        await using var echo = new EchoServer();
        await using var proxy = FaultProxy.Start("test", echo.EndPoint);
        using var deadline = new CancellationTokenSource(Deadline);
        using var open = await ConnectAsync(proxy, deadline.Token);
        await RoundTripAsync(open, "before", deadline.Token);

        proxy.Cut(CutStyle.Blackhole);
        await open.SendAsync("lost"u8.ToArray(), SocketFlags.None, deadline.Token);
        using var during = await ConnectAsync(proxy, deadline.Token);
        await during.SendAsync("also lost"u8.ToArray(), SocketFlags.None, deadline.Token);
        await WaitUntilAsync(() => proxy.BytesDropped >= "lost".Length + "also lost".Length, deadline.Token);
        open.Available.Should().Be(0, "nothing comes back through a blackhole");

        proxy.Heal();

        (await ReadToEndOrFailAsync(open, deadline.Token)).Should().BeTrue("a connection with a hole in its stream is closed on heal");
        (await ReadToEndOrFailAsync(during, deadline.Token)).Should().BeTrue();
        using var after = await ConnectAsync(proxy, deadline.Token);
        await RoundTripAsync(after, "after", deadline.Token);
    }

    [Fact]
    public async Task Delay_holds_every_chunk_back_at_least_that_long_and_keeps_the_order()
    {
        await using var echo = new EchoServer();
        await using var proxy = FaultProxy.Start("test", echo.EndPoint);
        using var deadline = new CancellationTokenSource(Deadline);
        using var socket = await ConnectAsync(proxy, deadline.Token);
        var delay = TimeSpan.FromMilliseconds(150);
        proxy.SetDelay(delay);

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++) await socket.SendAsync(Encoding.ASCII.GetBytes($"<{i}>"), SocketFlags.None, deadline.Token);
        var received = Encoding.ASCII.GetString(await ReceiveAsync(socket, 15, deadline.Token));

        // A lower bound only: the delay is added both ways, so the round trip cannot be shorter than twice it.
        clock.Elapsed.Should().BeGreaterThanOrEqualTo(delay * 2);
        received.Should().Be("<0><1><2><3><4>");
    }

    [Fact]
    public async Task Mesh_gives_each_node_its_own_view_and_partitions_cut_only_between_groups()
    {
        await using var a = new EchoServer();
        await using var b = new EchoServer();
        await using var c = new EchoServer();
        await using var mesh = ProxyMesh.Start([a.Address, b.Address, c.Address]);

        var view = mesh.ServersFor(1);
        view[1].Should().Be(b.Address, "a node listens on its own real address");
        view[0].Should().Be(mesh[1, 0].Address);
        view[2].Should().Be(mesh[1, 2].Address);
        mesh.ServersFileFor(1).Should().Contain(mesh[1, 0].Address);

        mesh.Partition([[0], [1, 2]], CutStyle.Refuse);
        mesh[0, 1].Fault.Cut.Should().Be(CutStyle.Refuse);
        mesh[2, 0].Fault.Cut.Should().Be(CutStyle.Refuse);
        mesh[1, 2].Fault.Should().Be(LinkFault.Healthy);
        mesh[2, 1].Fault.Should().Be(LinkFault.Healthy);

        mesh.HealAll();
        mesh.CutOneWay(0, 2, CutStyle.Blackhole);
        mesh[0, 2].Fault.Cut.Should().Be(CutStyle.Blackhole);
        mesh[2, 0].Fault.Should().Be(LinkFault.Healthy, "a one-way cut leaves the other direction alone");
        mesh.Describe().Should().Be("0→2 cut (blackhole)");
    }

    [Fact]
    public async Task Mesh_refuses_a_node_in_two_groups_and_changes_nothing()
    {
        await using var mesh = ProxyMesh.Start(["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]);
        var act = () => mesh.Partition([[0, 1], [1, 2]], CutStyle.Refuse);
        act.Should().Throw<ArgumentException>().WithMessage("*node 1 is in two groups*");
        mesh.Describe().Should().Be("all healthy");
    }

    private static async Task<Socket> ConnectAsync(FaultProxy proxy, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(proxy.LocalEndPoint, ct);
        return socket;
    }

    /// <summary>True when a new connection is reset, during the connect or at the first read.</summary>
    private static async Task<bool> ConnectIsResetAsync(FaultProxy proxy, CancellationToken ct)
    {
        Socket socket;
        try
        {
            socket = await ConnectAsync(proxy, ct);
        }
        catch (SocketException)
        {
            return true;
        }
        using (socket) return await ReadToEndOrFailAsync(socket, ct);
    }

    private static async Task RoundTripAsync(Socket socket, string text, CancellationToken ct)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        await socket.SendAsync(bytes, SocketFlags.None, ct);
        (await ReceiveAsync(socket, bytes.Length, ct)).Should().Equal(bytes);
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int count, CancellationToken ct)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, ct);
            if (n == 0) throw new EndOfStreamException($"closed after {got} of {count} bytes");
            got += n;
        }
        return buffer;
    }

    /// <summary>True when the connection ends (closed or reset) before the deadline.</summary>
    private static async Task<bool> ReadToEndOrFailAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[256];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, ct) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(10, ct);
    }
}
