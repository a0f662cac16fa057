namespace RaftKv.Core.Tests.Simulation;

/// <summary>A seed broke an invariant (or the core threw). The message says how to replay it exactly.</summary>
public sealed class SimulationFailureException(int seed, string reason, string details, Exception? inner = null)
    : Exception(Format(seed, reason, details), inner)
{
    public int Seed { get; } = seed;
    public string Reason { get; } = reason;

    public static string ReplayCommand(int seed) =>
        $"RAFTKV_SIM_SEED={seed} dotnet test tests/RaftKv.Core.Tests --filter Simulator_replays_one_seed";

    private static string Format(int seed, string reason, string details) =>
        $"Simulation seed {seed} failed: {reason}{Environment.NewLine}" +
        $"Replay exactly: {ReplayCommand(seed)}{Environment.NewLine}{details}";
}
