namespace RaftKv.Core.Tests.Simulation;

/// <summary>A seed broke an invariant (or the core threw). The message says how to replay it exactly.</summary>
public sealed class SimulationFailureException(int seed, string reason, string details, Exception? inner = null, bool exactReplay = true)
    : Exception(Format(seed, reason, details, exactReplay), inner)
{
    public int Seed { get; } = seed;
    public string Reason { get; } = reason;

    public static string ReplayCommand(int seed) =>
        $"RAFTKV_SIM_SEED={seed} dotnet test tests/RaftKv.Core.Tests --filter Simulator_replays_one_seed";

    private static string Format(int seed, string reason, string details, bool exactReplay) =>
        $"Simulation seed {seed} failed: {reason}{Environment.NewLine}" +
        (exactReplay
            ? $"Replay exactly: {ReplayCommand(seed)}"
            : "This run's scenario was reshaped or sabotaged by its test: replay it by running that test") +
        $"{Environment.NewLine}{details}";
}
