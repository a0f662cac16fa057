namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>A checker saw a state that the Raft safety properties (or the client guarantees) rule out.</summary>
public sealed class InvariantViolationException(string invariant, string details)
    : Exception($"{invariant} violated: {details}")
{
    /// <summary>Which property broke, e.g. "Election Safety".</summary>
    public string Invariant { get; } = invariant;
}
