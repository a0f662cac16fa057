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
    public void Link_emulation_draws_delays_within_its_bounds_and_holds_back_about_the_loss_probability()
    {
        var link = LinkEmulation.Wan;
        var random = new Random(20261126);
        const int draws = 100_000;
        var heldBack = 0;
        var total = TimeSpan.Zero;
        for (var i = 0; i < draws; i++)
        {
            var drawn = link.Sample(random);
            var delay = drawn.HeldBack ? drawn.Delay - link.RetransmissionStall : drawn.Delay;
            delay.Should().BeGreaterThanOrEqualTo(link.MinDelay).And.BeLessThanOrEqualTo(link.MaxDelay);
            if (drawn.HeldBack) heldBack++;
            total += delay;
        }

        // 1% of 100,000 is 1,000 with a standard deviation of about 31: a seeded draw, well inside ±20%.
        heldBack.Should().BeInRange(800, 1200);
        (total / draws).TotalMilliseconds.Should().BeApproximately(12.5, 0.5, "uniform over 5–20 ms");
    }

    [Fact]
    public void Link_emulation_refuses_bounds_that_make_no_sense()
    {
        static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
        ((Action)(() => new LinkEmulation(Ms(20), Ms(5), 0.01, Ms(200)).Validate())).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("MaxDelay");
        ((Action)(() => new LinkEmulation(Ms(-1), Ms(5), 0.01, Ms(200)).Validate())).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("MinDelay");
        ((Action)(() => new LinkEmulation(Ms(5), Ms(20), 1.5, Ms(200)).Validate())).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("LossProbability");
        ((Action)(() => new LinkEmulation(Ms(5), Ms(20), double.NaN, Ms(200)).Validate())).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("LossProbability");
        var start = () => FaultProxy.Start("bad", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1), new FaultProxyOptions { Link = new LinkEmulation(Ms(20), Ms(5), 0, Ms(0)) });
        start.Should().Throw<ArgumentOutOfRangeException>("a proxy does not start with a link that makes no sense");
    }

    [Fact]
    public async Task Emulated_link_delays_each_round_trip_both_ways_and_counts_the_chunks_it_held_back()
    {
        await using var echo = new EchoServer();
        // A high loss probability so that a few dozen chunks surely include held-back ones (seeded, so it is the same every run).
        var link = new LinkEmulation(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20), 0.25, TimeSpan.FromMilliseconds(100));
        await using var proxy = FaultProxy.Start("test", echo.EndPoint, new FaultProxyOptions { Link = link, Seed = 7 });
        using var deadline = new CancellationTokenSource(Deadline);
        using var socket = await ConnectAsync(proxy, deadline.Token);

        const int roundTrips = 30;
        var slow = 0;
        for (var i = 0; i < roundTrips; i++)
        {
            var clock = Stopwatch.StartNew();
            await RoundTripAsync(socket, $"<{i}>", deadline.Token);
            var took = clock.Elapsed;
            // Lower bounds only (a loaded machine may be slower, never faster): the request and the reply each waited.
            took.Should().BeGreaterThanOrEqualTo(link.MinDelay * 2);
            if (took >= link.RetransmissionStall) slow++;
        }

        proxy.ChunksDelayed.Should().BeGreaterThanOrEqualTo(2 * roundTrips, "each request and each echo is at least one chunk");
        proxy.ChunksHeldBack.Should().BeGreaterThan(0);
        // Each round trip has two chunks; a round trip with a held-back chunk in it took at least the stall.
        slow.Should().BeGreaterThanOrEqualTo((int)((proxy.ChunksHeldBack + 1) / 2));
        proxy.EmulatedDelay.Should().BeGreaterThanOrEqualTo(link.MinDelay * proxy.ChunksDelayed + link.RetransmissionStall * proxy.ChunksHeldBack);
    }

    [Fact]
    public async Task Emulated_link_keeps_the_order_of_a_pipelined_stream_despite_jitter_and_stalls()
    {
        await using var echo = new EchoServer();
        var link = new LinkEmulation(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20), 0.2, TimeSpan.FromMilliseconds(50));
        await using var proxy = FaultProxy.Start("test", echo.EndPoint, new FaultProxyOptions { Link = link, Seed = 11 });
        using var deadline = new CancellationTokenSource(Deadline);
        using var socket = await ConnectAsync(proxy, deadline.Token);

        // Many small sends without waiting: the chunks get different delays, and a later one must never overtake.
        var sent = new System.Text.StringBuilder();
        var reading = ReceiveAsync(socket, Encoding.ASCII.GetByteCount(string.Concat(Enumerable.Range(0, 300).Select(i => $"<{i}>"))), deadline.Token);
        for (var i = 0; i < 300; i++)
        {
            var piece = $"<{i}>";
            sent.Append(piece);
            await socket.SendAsync(Encoding.ASCII.GetBytes(piece), SocketFlags.None, deadline.Token);
            // Pauses between groups so that the proxy reads the stream in many chunks rather than one.
            if (i % 10 == 9) await Task.Delay(2, deadline.Token);
        }
        var received = Encoding.ASCII.GetString(await reading);

        received.Should().Be(sent.ToString());
        proxy.ChunksDelayed.Should().BeGreaterThanOrEqualTo(2, "both directions were delayed, chunk by chunk");
    }

    [Fact]
    public async Task Proxy_listens_on_the_address_it_is_given()
    {
        await using var echo = new EchoServer();
        var other = System.Net.IPAddress.Parse("127.0.0.2");
        await using var proxy = FaultProxy.Start("test", echo.EndPoint, new FaultProxyOptions { ListenAddress = other });
        using var deadline = new CancellationTokenSource(Deadline);

        proxy.LocalEndPoint.Address.Should().Be(other);
        proxy.Address.Should().StartWith("127.0.0.2:");
        using var socket = await ConnectAsync(proxy, deadline.Token);
        await RoundTripAsync(socket, "hello", deadline.Token);
        proxy.ChunksDelayed.Should().Be(0, "a proxy without a link emulation draws nothing");
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
