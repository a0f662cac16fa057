using System.Globalization;
using RaftKv.Testing.Processes;

namespace RaftKv.Jepsen.Tests.Support;

/// <summary>
/// One network namespace per node (ip netns), each with a veth pair whose other end hangs on a bridge in the test's
/// own namespace: the nodes are separate hosts on a /24 of their own, the test reaches them through the bridge, and
/// netem on each node's interface adds delay and loss. Root only; <see cref="TryCreateAsync"/> says why not otherwise.
/// Names carry a random suffix, so runs never collide; <see cref="DisposeAsync"/> removes everything it made.
/// </summary>
public sealed class NamespaceNetwork : IAsyncDisposable
{
    private readonly string _suffix;
    private readonly List<string> _namespaces = [];
    private readonly int _subnet;

    private NamespaceNetwork(string suffix, int subnet)
    {
        _suffix = suffix;
        _subnet = subnet;
    }

    /// <summary>Node i's namespace.</summary>
    public string Namespace(int i) => $"rkv{_suffix}n{i}";

    /// <summary>Node i's address, port 7000 inside its own namespace.</summary>
    public string Address(int i) => $"10.{_subnet / 256}.{_subnet % 256}.{i + 1}:7000";

    private string Bridge => $"rkv{_suffix}br";

    private string HostSide(int i) => $"rkv{_suffix}v{i}";

    /// <summary>Null when netem could not be set up (the kernel lacks sch_netem): the nodes run without delay or loss.</summary>
    public string? NetemUnavailable { get; private set; }

    /// <summary>Builds the network for <paramref name="nodes"/> hosts, or returns why it cannot (and cleans up).</summary>
    public static async Task<(NamespaceNetwork? Network, string? WhyNot)> TryCreateAsync(int nodes, string netem, CancellationToken ct)
    {
        if (!OperatingSystem.IsLinux()) return (null, "network namespaces need Linux");
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root" && !IsRoot())
            return (null, "network namespaces need root (run the tests as root, as CI does)");
        var random = Random.Shared;
        var network = new NamespaceNetwork(random.Next(0x1000, 0xFFFF).ToString("x4", CultureInfo.InvariantCulture), random.Next(200 * 256, 250 * 256));
        try
        {
            var first = await network.TryAsync(ct, "netns", "add", network.Namespace(0));
            if (first is not null) return (null, $"cannot create a network namespace ({first}); is iproute2 installed and are we allowed to?");
            network._namespaces.Add(network.Namespace(0));
            var bridge = network.Bridge;
            await network.RunAsync(ct, "link", "add", bridge, "type", "bridge");
            await network.RunAsync(ct, "addr", "add", $"10.{network._subnet / 256}.{network._subnet % 256}.254/24", "dev", bridge);
            await network.RunAsync(ct, "link", "set", bridge, "up");
            for (var i = 0; i < nodes; i++)
            {
                var ns = network.Namespace(i);
                if (i > 0)
                {
                    await network.RunAsync(ct, "netns", "add", ns);
                    network._namespaces.Add(ns);
                }
                var inside = $"rkv{network._suffix}p{i}";
                await network.RunAsync(ct, "link", "add", network.HostSide(i), "type", "veth", "peer", "name", inside);
                await network.RunAsync(ct, "link", "set", network.HostSide(i), "master", bridge);
                await network.RunAsync(ct, "link", "set", network.HostSide(i), "up");
                await network.RunAsync(ct, "link", "set", inside, "netns", ns);
                await network.RunAsync(ct, "-n", ns, "link", "set", inside, "name", "eth0");
                await network.RunAsync(ct, "-n", ns, "addr", "add", $"{network.Address(i).Split(':')[0]}/24", "dev", "eth0");
                await network.RunAsync(ct, "-n", ns, "link", "set", "eth0", "up");
                await network.RunAsync(ct, "-n", ns, "link", "set", "lo", "up");
                var netemError = await TryProgramAsync("ip", ["netns", "exec", ns, "tc", "qdisc", "add", "dev", "eth0", "root", "netem", .. netem.Split(' ')], ct);
                if (netemError is not null) network.NetemUnavailable ??= $"tc netem could not be set up ({netemError})";
            }
            return (network, null);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await network.DisposeAsync();
            return (null, $"cannot build the namespace network: {e.Message}");
        }
    }

    /// <summary>Cuts node <paramref name="i"/> off from everyone (its bridge port goes down).</summary>
    public Task IsolateAsync(int i, CancellationToken ct) => RunAsync(ct, "link", "set", HostSide(i), "down");

    public Task HealAsync(int i, CancellationToken ct) => RunAsync(ct, "link", "set", HostSide(i), "up");

    private static bool IsRoot()
    {
        try
        {
            return File.ReadAllLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0");
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task RunAsync(CancellationToken ct, params string[] args)
    {
        if (await TryAsync(ct, args) is { } error) throw new InvalidOperationException($"ip {string.Join(' ', args)}: {error}");
    }

    private Task<string?> TryAsync(CancellationToken ct, params string[] args) => TryProgramAsync("ip", args, ct);

    private static async Task<string?> TryProgramAsync(string program, IReadOnlyList<string> args, CancellationToken ct)
    {
        try
        {
            var result = await ProcessRunner.RunAsync(program, args, null, TimeSpan.FromSeconds(20), ct);
            return result.ExitCode == 0 ? null : $"exit code {result.ExitCode}: {(result.StandardError + result.StandardOutput).Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"cannot run {program}: {e.Message}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var ns in _namespaces) await TryAsync(CancellationToken.None, "netns", "del", ns);
        await TryAsync(CancellationToken.None, "link", "del", Bridge);
        // Deleting a namespace deletes its veth end, and with it the peer on the bridge.
    }
}
