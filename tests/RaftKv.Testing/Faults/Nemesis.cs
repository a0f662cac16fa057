using System.Diagnostics;
using System.Globalization;
using RaftKv.Testing.Processes;

namespace RaftKv.Testing.Faults;

/// <summary>
/// Injects faults into a <see cref="LocalCluster"/> whose peers talk through a <see cref="ProxyMesh"/>, one at a
/// time, on a schedule drawn from <c>new Random(seed)</c>: kill -9 and restart, SIGSTOP and SIGCONT, partitions
/// (majority/minority, isolated leader, one-way, bridge, flapping) and added latency. The leader is the victim
/// more often than not.
/// </summary>
/// <remarks>
/// Every random number a fault needs is drawn before the fault is applied, in the same amount whatever the
/// cluster looks like, so one seed always gives the same sequence of faults (which node that is, "the leader",
/// depends on the run). Each fault is undone before the next one starts; <see cref="HealAsync"/> undoes
/// whatever is left.
/// </remarks>
public sealed class Nemesis
{
    private readonly LocalCluster _cluster;
    private readonly ProxyMesh _mesh;
    private readonly Random _random;
    private readonly IReadOnlyList<FaultKind> _kinds;
    private readonly Action<string> _log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<InjectedFault> _injected = [];
    private readonly HashSet<int> _paused = [];
    private readonly HashSet<int> _killed = [];
    private readonly List<string> _crashes = [];

    public Nemesis(LocalCluster cluster, ProxyMesh mesh, int seed, IReadOnlyList<FaultKind> kinds, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(kinds);
        if (kinds.Count == 0) throw new ArgumentException("the nemesis needs at least one kind of fault", nameof(kinds));
        if (mesh.Count != cluster.Count) throw new ArgumentException($"the mesh has {mesh.Count} nodes, the cluster {cluster.Count}", nameof(mesh));
        _cluster = cluster;
        _mesh = mesh;
        _random = new Random(seed);
        _kinds = kinds;
        _log = log ?? (_ => { });
    }

    /// <summary>Every fault injected so far, in order.</summary>
    public IReadOnlyList<InjectedFault> Injected => _injected;

    /// <summary>Nodes found not running that the nemesis had not killed, with their exit code and last output.</summary>
    public IReadOnlyList<string> Crashes => _crashes;

    private int Count => _cluster.Count;
    private TimeSpan ElectionTimeout => TimeSpan.FromMilliseconds(_cluster.Options.ElectionTimeoutMs);

    /// <summary>Injects faults one after another, with quiet gaps, until <paramref name="duration"/> has passed.</summary>
    public async Task RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var end = _clock.Elapsed + duration;
        while (_clock.Elapsed < end && !cancellationToken.IsCancellationRequested)
        {
            var quiet = TimeSpan.FromMilliseconds(_random.Next(300, 1000));
            var plan = Draw();
            await Task.Delay(quiet, cancellationToken).ConfigureAwait(false);
            await ApplyAsync(plan, cancellationToken).ConfigureAwait(false);
            NoteCrashes();
        }
    }

    /// <summary>Heals every link, resumes paused nodes and starts stopped ones (reporting any that died on their own).</summary>
    public async Task HealAsync(CancellationToken cancellationToken)
    {
        _mesh.HealAll();
        _mesh.SetDelay(TimeSpan.Zero);
        foreach (var node in _paused.ToList()) Resume(node);
        NoteCrashes();
        for (var node = 0; node < Count; node++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_cluster.Node(node).IsRunning) _cluster.Start(node);
        }
        _killed.Clear();
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>Everything a fault needs from the random generator, drawn up front (see the class remarks).</summary>
    private sealed record Plan(
        FaultKind Kind, bool AtLeader, int Node, int Other, TimeSpan Duration, CutStyle Style,
        bool Flag, int Size, int SubSeed, TimeSpan Delay, bool WithDelay);

    private Plan Draw()
    {
        var kind = _kinds[_random.Next(_kinds.Count)];
        var atLeader = _random.NextDouble() < 0.7;
        var node = _random.Next(Count);
        var other = _random.Next(Count - 1);
        if (other >= node) other++;
        var duration = kind switch
        {
            FaultKind.KillRestart => TimeSpan.FromMilliseconds(_random.Next(300, 2000)),
            FaultKind.Pause => ElectionTimeout * 2 + TimeSpan.FromMilliseconds(_random.Next(0, 1500)),
            FaultKind.Flapping => TimeSpan.FromMilliseconds(_random.Next(2000, 4000)),
            FaultKind.Delay => TimeSpan.FromMilliseconds(_random.Next(1500, 3500)),
            _ => TimeSpan.FromMilliseconds(_random.Next(800, 3000)),
        };
        var style = _random.Next(2) == 0 ? CutStyle.Refuse : CutStyle.Blackhole;
        var flag = _random.Next(2) == 0;
        var size = 1 + _random.Next(Math.Max(1, (Count - 1) / 2));
        var subSeed = _random.Next();
        var delay = TimeSpan.FromMilliseconds(_random.Next(10, 150));
        var withDelay = _random.NextDouble() < 0.2;
        return new Plan(kind, atLeader, node, other, duration, style, flag, size, subSeed, delay, withDelay);
    }

    private async Task ApplyAsync(Plan plan, CancellationToken ct)
    {
        var leader = await FindLeaderAsync(ct).ConfigureAwait(false);
        var victim = plan.AtLeader && leader is int l ? l : plan.Node;
        var victimText = victim == leader ? $"node {victim} (leader)" : $"node {victim}";
        if (plan.WithDelay && plan.Kind != FaultKind.Delay) _mesh.SetDelay(plan.Delay);
        var extra = plan.WithDelay && plan.Kind != FaultKind.Delay ? $", with {plan.Delay.TotalMilliseconds:0}ms delay on every link" : "";

        switch (plan.Kind)
        {
            case FaultKind.KillRestart:
            {
                // Two of five at once sometimes: a minority may always fail.
                var victims = plan.Flag && Count >= 5 ? new[] { victim, victim == plan.Other ? plan.Node : plan.Other }.Distinct().ToArray() : [victim];
                Record(plan, $"kill -9 {string.Join(" and ", victims.Select(v => v == leader ? $"node {v} (leader)" : $"node {v}"))} for {Ms(plan.Duration)}{extra}");
                foreach (var v in victims)
                {
                    _killed.Add(v);
                    await _cluster.KillAsync(v, ct).ConfigureAwait(false);
                }
                await Task.Delay(plan.Duration, ct).ConfigureAwait(false);
                foreach (var v in victims)
                {
                    _cluster.Start(v);
                    _killed.Remove(v);
                }
                break;
            }

            case FaultKind.Pause:
                Record(plan, $"SIGSTOP {victimText} for {Ms(plan.Duration)}{extra}");
                if (!_cluster.Node(victim).IsRunning) break;
                _cluster.Pause(victim);
                _paused.Add(victim);
                await Task.Delay(plan.Duration, ct).ConfigureAwait(false);
                Resume(victim);
                break;

            case FaultKind.MajorityMinority:
            {
                var order = Shuffled(plan.SubSeed);
                var minority = order.Take(plan.Size).ToList();
                // The leader on the minority side (deposed, must stop serving) or the majority side (keeps leading).
                if (leader is int ld && plan.Flag != minority.Contains(ld))
                {
                    if (plan.Flag) minority[0] = ld;
                    else minority.Remove(ld);
                    if (minority.Count == 0) minority.Add(order.First(n => n != ld));
                }
                var majority = Enumerable.Range(0, Count).Except(minority).ToList();
                Record(plan, $"partition {Group(minority)} | {Group(majority)} ({plan.Style}) for {Ms(plan.Duration)}{LeaderNote(leader)}{extra}");
                _mesh.Partition([minority, majority], plan.Style);
                await Task.Delay(plan.Duration, ct).ConfigureAwait(false);
                _mesh.HealAll();
                break;
            }

            case FaultKind.IsolateLeader:
                Record(plan, $"isolate {victimText} ({plan.Style}) for {Ms(plan.Duration)}{extra}");
                _mesh.Isolate(victim, plan.Style);
                await Task.Delay(plan.Duration, ct).ConfigureAwait(false);
                _mesh.HealAll();
                break;

            case FaultKind.OneWay:
            {
                var outbound = plan.Flag;
                Record(plan, outbound
                    ? $"one-way: {victimText}'s messages to every peer dropped ({plan.Style}) for {Ms(plan.Duration)}{extra}"
                    : $"one-way: every peer's messages to {victimText} dropped ({plan.Style}) for {Ms(plan.Duration)}{extra}");
                for (var other = 0; other < Count; other++)
                {
                    if (other == victim) continue;
                    if (outbound) _mesh.CutOneWay(victim, other, plan.Style);
                    else _mesh.CutOneWay(other, victim, plan.Style);
                }
                await Task.Delay(plan.Duration, ct).ConfigureAwait(false);
                _mesh.HealAll();
                break;
            }

            case FaultKind.Bridge:
            {
                var rest = Shuffled(plan.SubSeed).Where(n => n != victim).ToList();
                var left = rest.Take(rest.Count / 2).ToList();
                var right = rest.Skip(rest.Count / 2).ToList();
                Record(plan, $"bridge: {Group(left)} and {Group(right)} cut apart, {victimText} sees both ({plan.Style}) for {Ms(plan.Duration)}{extra}");
                foreach (var a in left)
                    foreach (var b in right)
                        _mesh.CutBothWays(a, b, plan.Style);
                await Task.Delay(plan.Duration, ct).ConfigureAwait(false);
                _mesh.HealAll();
                break;
            }

            case FaultKind.Flapping:
            {
                var flaps = new Random(plan.SubSeed);
                var end = _clock.Elapsed + plan.Duration;
                var changes = 0;
                while (_clock.Elapsed < end)
                {
                    _mesh.HealAll();
                    if (flaps.Next(3) != 0)
                    {
                        var style = flaps.Next(2) == 0 ? CutStyle.Refuse : CutStyle.Blackhole;
                        var order = Enumerable.Range(0, Count).OrderBy(_ => flaps.Next()).ToList();
                        var cut = order.Take(1 + flaps.Next(Math.Max(1, (Count - 1) / 2))).ToList();
                        _mesh.Partition([cut, order.Except(cut).ToList()], style);
                    }
                    changes++;
                    await Task.Delay(flaps.Next(100, 400), ct).ConfigureAwait(false);
                }
                Record(plan, $"flapping partitions for {Ms(plan.Duration)} ({changes} changes){extra}");
                _mesh.HealAll();
                break;
            }

            case FaultKind.Delay:
            {
                var jitter = new Random(plan.SubSeed);
                // Every link its own latency: messages overtake each other between different pairs.
                foreach (var proxy in _mesh.All) proxy.SetDelay(TimeSpan.FromMilliseconds(jitter.Next(0, (int)plan.Delay.TotalMilliseconds + 1)));
                Record(plan, $"delay up to {Ms(plan.Delay)} on every link for {Ms(plan.Duration)}");
                await Task.Delay(plan.Duration, ct).ConfigureAwait(false);
                break;
            }
        }

        if (plan.WithDelay || plan.Kind == FaultKind.Delay) _mesh.SetDelay(TimeSpan.Zero);
    }

    /// <summary>The node that says it leads in the highest term, or null when none answers as leader.</summary>
    private async Task<int?> FindLeaderAsync(CancellationToken ct)
    {
        var statuses = await _cluster.StatusAllAsync(ct).ConfigureAwait(false);
        return statuses.Where(s => s is { Role: "leader" }).OrderByDescending(s => s!.Term).Select(s => (int?)s!.Id).FirstOrDefault();
    }

    private void Resume(int node)
    {
        if (_cluster.Node(node).IsRunning) _cluster.Resume(node);
        _paused.Remove(node);
    }

    private void NoteCrashes()
    {
        for (var node = 0; node < Count; node++)
        {
            var process = _cluster.Node(node);
            if (process.IsRunning || _killed.Contains(node) || process.Incarnation == 0) continue;
            var crash = string.Create(CultureInfo.InvariantCulture,
                $"node {node} exited on its own with code {process.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "?"} at {_clock.Elapsed.TotalSeconds:0.00}s; log {_cluster.NodeLogFile(node)}\n{_cluster.NodeLog(node)}");
            _crashes.Add(crash);
            _log($"CRASH: {crash}");
            _killed.Add(node); // reported once; HealAsync starts it again
        }
    }

    private List<int> Shuffled(int seed)
    {
        var order = new Random(seed);
        return Enumerable.Range(0, Count).OrderBy(_ => order.Next()).ToList();
    }

    private void Record(Plan plan, string description)
    {
        var fault = new InjectedFault(_clock.Elapsed, plan.Kind, description);
        _injected.Add(fault);
        _log(fault.ToString());
    }

    private static string LeaderNote(int? leader) => leader is int l ? $", leader was node {l}" : ", no leader known";

    private static string Group(IEnumerable<int> nodes) => "{" + string.Join(",", nodes.Order()) + "}";

    private static string Ms(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0}ms");
}
