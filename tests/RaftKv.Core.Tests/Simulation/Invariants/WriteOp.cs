namespace RaftKv.Core.Tests.Simulation.Invariants;

/// <summary>
/// A client write of a unique value to one key. Times are simulation steps (unique and totally ordered).
/// <see cref="Response"/> is null when the client never learned the outcome (it gave up, or its node
/// crashed): such a write may take effect at any time after its invocation, or never.
/// </summary>
public sealed record WriteOp(long Id, string Key, long Invoke, long? Response);
