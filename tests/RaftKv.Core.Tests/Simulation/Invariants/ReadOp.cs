namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>A completed client read: it saw the value written by write <see cref="Observed"/> (0 = the key was never written).</summary>
public sealed record ReadOp(string Key, long Invoke, long Response, long Observed);
