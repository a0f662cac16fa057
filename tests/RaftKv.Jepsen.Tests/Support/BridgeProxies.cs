using System.Globalization;
using System.Net;
using RaftKv.Testing.Faults;

namespace RaftKv.Jepsen.Tests.Support;

/// <summary>
/// Delay and loss in user space for a <see cref="NamespaceNetwork"/> whose kernel has no sch_netem: one
/// <see cref="FaultProxy"/> per node, listening on the bridge's own address in the test's namespace and forwarding
/// to the node inside its namespace, with a <see cref="LinkEmulation"/> on every chunk. Each node advertises its
/// proxy (<see cref="Address"/>) and binds its namespace address with --listen, so every peer message and every
/// client request travels namespace → bridge → proxy → bridge → namespace and is delayed once on the way there and
/// once on the way back, as netem on each node's interface would do to the reply.
/// </summary>
/// <remarks>
/// A proxy is outside every namespace: when its node's link goes down, it would keep the bytes it holds for the
/// node and TCP would deliver them after the heal, carrying a message across the partition. So a partition cuts the
/// node's proxy too (<see cref="Cut"/>, a blackhole: what it holds or receives for the node is dropped, and the
/// connections that lost bytes are closed on <see cref="Heal"/>), as a pulled cable drops what is on the wire.
/// </remarks>
public sealed class BridgeProxies : IAsyncDisposable
{
    private readonly FaultProxy[] _proxies;

    private BridgeProxies(FaultProxy[] proxies, LinkEmulation link, int seed)
    {
        _proxies = proxies;
        Link = link;
        Seed = seed;
    }

    /// <summary>Starts a proxy in front of each of <paramref name="nodes"/> nodes of <paramref name="network"/>.</summary>
    public static async Task<BridgeProxies> StartAsync(NamespaceNetwork network, int nodes, LinkEmulation link, int seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(link);
        var proxies = new List<FaultProxy>();
        try
        {
            for (var i = 0; i < nodes; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var options = new FaultProxyOptions { ListenAddress = network.HostAddress, Link = link, Seed = seed + i };
                proxies.Add(FaultProxy.Start($"→{i}", IPEndPoint.Parse(network.Address(i)), options));
            }
            return new BridgeProxies([.. proxies], link, seed);
        }
        catch
        {
            foreach (var proxy in proxies) await proxy.DisposeAsync();
            throw;
        }
    }

    public LinkEmulation Link { get; }

    /// <summary>The seed of every draw (proxy i uses this plus i): the same seed draws the same delays per connection and chunk.</summary>
    public int Seed { get; }

    /// <summary>Node i's advertised address: its proxy on the bridge.</summary>
    public string Address(int i) => _proxies[i].Address;

    /// <summary>The proxy in front of node i.</summary>
    public FaultProxy this[int i] => _proxies[i];

    /// <summary>Drops everything the proxy holds or receives for node <paramref name="i"/> (its part of the node's partition).</summary>
    public void Cut(int i) => _proxies[i].Cut(CutStyle.Blackhole);

    /// <summary>Lets traffic reach node <paramref name="i"/> again; connections that lost bytes in the cut are closed.</summary>
    public void Heal(int i) => _proxies[i].Heal();

    public long ChunksDelayed => _proxies.Sum(p => p.ChunksDelayed);
    public long ChunksHeldBack => _proxies.Sum(p => p.ChunksHeldBack);
    public TimeSpan EmulatedDelay => TimeSpan.FromTicks(_proxies.Sum(p => p.EmulatedDelay.Ticks));

    /// <summary>Such as "41230 chunks delayed (mean 12.4 ms), 398 held back (0.97%)".</summary>
    public string Describe()
    {
        var chunks = ChunksDelayed;
        var held = ChunksHeldBack;
        return chunks == 0
            ? "no chunk went through the proxies"
            : string.Create(CultureInfo.InvariantCulture,
                $"{chunks} chunks delayed (mean {EmulatedDelay.TotalMilliseconds / chunks:0.0} ms, stalls included), {held} held back ({100.0 * held / chunks:0.00}%)");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in _proxies) await proxy.DisposeAsync();
    }
}
