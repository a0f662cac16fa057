using System.Globalization;
using System.Net;
using System.Text;

namespace RaftKv.Testing.Faults;

/// <summary>
/// A <see cref="FaultProxy"/> for every ordered pair of nodes: node i reaches node j only through proxy (i→j).
/// Because a node's id is its line in the servers file and it dials peer j at line j of its own file, each
/// node gets its own servers file (<see cref="ServersFileFor"/>): its real address on its own line, the proxies
/// it dials through on the others. Clients use the real addresses and are never proxied.
/// </summary>
/// <remarks>
/// A Raft peer link carries messages one way (i's outbound connection carries only i's messages to j; j answers
/// over its own connection to i), so cutting (i→j) alone is a one-way partition.
/// </remarks>
public sealed class ProxyMesh : IAsyncDisposable
{
    private readonly FaultProxy?[,] _proxies;

    private ProxyMesh(IReadOnlyList<string> addresses)
    {
        RealAddresses = addresses;
        _proxies = new FaultProxy?[addresses.Count, addresses.Count];
        for (var from = 0; from < addresses.Count; from++)
            for (var to = 0; to < addresses.Count; to++)
                if (from != to) _proxies[from, to] = FaultProxy.Start($"{from}→{to}", Parse(addresses[to]));
    }

    /// <summary>Starts the proxies between nodes listening on <paramref name="realAddresses"/> ("127.0.0.1:port", by node id).</summary>
    public static ProxyMesh Start(IReadOnlyList<string> realAddresses)
    {
        ArgumentNullException.ThrowIfNull(realAddresses);
        if (realAddresses.Count < 2) throw new ArgumentException("a mesh needs at least two nodes", nameof(realAddresses));
        return new ProxyMesh([.. realAddresses]);
    }

    public IReadOnlyList<string> RealAddresses { get; }
    public int Count => RealAddresses.Count;

    /// <summary>The proxy that carries <paramref name="from"/>'s messages to <paramref name="to"/>.</summary>
    public FaultProxy this[int from, int to] => _proxies[from, to] ?? throw new ArgumentException($"no proxy from node {from} to itself");

    public IEnumerable<FaultProxy> All
    {
        get
        {
            foreach (var proxy in _proxies)
                if (proxy is not null) yield return proxy;
        }
    }

    /// <summary>The servers list node <paramref name="node"/> must start with.</summary>
    public IReadOnlyList<string> ServersFor(int node) =>
        Enumerable.Range(0, Count).Select(j => j == node ? RealAddresses[j] : this[node, j].Address).ToArray();

    /// <summary><see cref="ServersFor"/> as the text of a servers file.</summary>
    public string ServersFileFor(int node)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"# node {node}'s view: peers through fault proxies\n");
        foreach (var line in ServersFor(node)) text.Append(line).Append('\n');
        return text.ToString();
    }

    /// <summary>Node <paramref name="from"/>'s messages no longer reach <paramref name="to"/> (the other way is untouched).</summary>
    public void CutOneWay(int from, int to, CutStyle style) => this[from, to].Cut(style);

    /// <summary>Cuts both directions between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public void CutBothWays(int a, int b, CutStyle style)
    {
        this[a, b].Cut(style);
        this[b, a].Cut(style);
    }

    /// <summary>Cuts every link between nodes of different groups; links inside a group stay as they are. Nodes in no group are isolated.</summary>
    public void Partition(IReadOnlyList<IReadOnlyCollection<int>> groups, CutStyle style)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var groupOf = new int[Count];
        Array.Fill(groupOf, -1);
        for (var g = 0; g < groups.Count; g++)
            foreach (var node in groups[g])
            {
                if (node < 0 || node >= Count) throw new ArgumentOutOfRangeException(nameof(groups), node, $"no node {node}");
                if (groupOf[node] >= 0) throw new ArgumentException($"node {node} is in two groups", nameof(groups));
                groupOf[node] = g;
            }

        for (var from = 0; from < Count; from++)
            for (var to = 0; to < Count; to++)
                if (from != to && (groupOf[from] < 0 || groupOf[from] != groupOf[to])) this[from, to].Cut(style);
    }

    /// <summary>Cuts <paramref name="node"/> off from every peer, both ways.</summary>
    public void Isolate(int node, CutStyle style)
    {
        for (var other = 0; other < Count; other++)
            if (other != node) CutBothWays(node, other, style);
    }

    /// <summary>Adds <paramref name="delay"/> on every link.</summary>
    public void SetDelay(TimeSpan delay)
    {
        foreach (var proxy in All) proxy.SetDelay(delay);
    }

    /// <summary>Removes every cut and delay.</summary>
    public void HealAll()
    {
        foreach (var proxy in All) proxy.Heal();
    }

    /// <summary>
    /// The links that are not healthy, such as "0→1 cut (refuse), 2→0 delay 40ms"; "all healthy" when none; then any
    /// proxy that failed to take on connections.
    /// </summary>
    public string Describe()
    {
        var faulty = All.Where(p => p.Fault != LinkFault.Healthy).Select(p => $"{p.Name} {p.Fault}").ToList();
        var text = faulty.Count == 0 ? "all healthy" : string.Join(", ", faulty);
        // A proxy that could not take on connections (out of file descriptors, say) is a fault the test did not make.
        var failing = All.Where(p => p.AcceptFailures > 0).Select(p => $"{p.Name} failed {p.AcceptFailures} connections ({p.LastAcceptFailure})").ToList();
        return failing.Count == 0 ? text : $"{text}; {string.Join(", ", failing)}";
    }

    private static IPEndPoint Parse(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0) throw new FormatException($"'{address}' is not host:port");
        var host = address[..colon].Trim('[', ']');
        var ip = host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host);
        return new IPEndPoint(ip, int.Parse(address[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in All) await proxy.DisposeAsync().ConfigureAwait(false);
    }
}
