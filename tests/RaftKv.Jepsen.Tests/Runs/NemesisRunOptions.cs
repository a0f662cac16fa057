using RaftKv.Testing.Faults;

namespace RaftKv.Jepsen.Tests.Runs;

/// <summary>One nemesis run: which cluster, how long, which faults, and the seed that draws them.</summary>
public sealed record NemesisRunOptions
{
    public required int Seed { get; init; }
    public int Nodes { get; init; } = 3;

    /// <summary>How long faults are injected (the workload runs a little longer, on the healed cluster).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    public int Clients { get; init; } = 4;
    public int Keys { get; init; } = 6;

    /// <summary>Clients incrementing one counter by compare-and-set beside the mixed clients (see CounterWorkload).</summary>
    public int CounterClients { get; init; } = 2;
    public IReadOnlyList<FaultKind> Faults { get; init; } = Enum.GetValues<FaultKind>();

    /// <summary>The longest the linearizability check may take before the run is reported as undecided.</summary>
    public TimeSpan CheckTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The environment that reproduces this run with the replay test.</summary>
    public string ReplayCommand =>
        $"RAFTKV_JEPSEN_SEED={Seed} RAFTKV_JEPSEN_NODES={Nodes} RAFTKV_JEPSEN_SECONDS={Duration.TotalSeconds:0} " +
        $"RAFTKV_JEPSEN_FAULTS={string.Join(',', Faults)} dotnet test tests/RaftKv.Jepsen.Tests --filter Nemesis_replays_one_seed";

    public override string ToString() =>
        $"seed {Seed}, {Nodes} nodes, {Clients} clients, {Keys} keys, {CounterClients} counter clients, {Duration.TotalSeconds:0}s of faults ({string.Join(", ", Faults)})";
}
