namespace RaftKv.Linearizability;

/// <summary>The verdict of <see cref="LinearizabilityChecker.Check"/>.</summary>
/// <param name="IsLinearizable">True only when every key was checked to the end and found linearizable.</param>
/// <param name="Counterexample">Why not, for a person to read; null when linearizable.</param>
/// <param name="OperationsChecked">Operations given to the search (Failed operations and Unknown reads excluded).</param>
/// <param name="Elapsed">Wall-clock time spent checking.</param>
/// <param name="TimedOut">The search did not finish in time; <paramref name="IsLinearizable"/> is then false.</param>
public sealed record CheckResult(bool IsLinearizable, string? Counterexample, int OperationsChecked, TimeSpan Elapsed, bool TimedOut);
