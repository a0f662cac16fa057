using System.Globalization;
using RaftKv.Testing.Faults;

namespace RaftKv.Jepsen.Tests.Runs;

/// <summary>
/// The environment variables that steer the long and replay runs (documented in tests/RaftKv.Jepsen.Tests/README.md).
/// </summary>
public static class RunEnvironment
{
    /// <summary>The seed of the run to replay; the replay test is skipped without it.</summary>
    public const string Seed = "RAFTKV_JEPSEN_SEED";

    /// <summary>Node count of a replayed run (default 3).</summary>
    public const string Nodes = "RAFTKV_JEPSEN_NODES";

    /// <summary>Seconds of faults in a replayed run (default 20).</summary>
    public const string Seconds = "RAFTKV_JEPSEN_SECONDS";

    /// <summary>Comma-separated <see cref="FaultKind"/> names of a replayed run (default: all).</summary>
    public const string Faults = "RAFTKV_JEPSEN_FAULTS";

    /// <summary>Minutes of back-to-back nemesis runs for the soak test; skipped without it.</summary>
    public const string SoakMinutes = "RAFTKV_JEPSEN_SOAK_MINUTES";

    /// <summary>A saved history (JSON lines) to check again; that test is skipped without it.</summary>
    public const string History = "RAFTKV_JEPSEN_HISTORY";

    public static string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value.Trim() : null;

    public static int? GetInt(string name) =>
        Get(name) is { } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new ArgumentException($"{name}='{text}' is not an integer")
            : null;

    public static IReadOnlyList<FaultKind> GetFaults() =>
        Get(Faults) is { } text
            ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(name => Enum.TryParse<FaultKind>(name, ignoreCase: true, out var kind)
                    ? kind
                    : throw new ArgumentException($"{Faults}: '{name}' is not one of {string.Join(", ", Enum.GetNames<FaultKind>())}"))
                .ToArray()
            : Enum.GetValues<FaultKind>();
}
