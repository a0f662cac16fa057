namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// Deliberate bugs in the simulated driver, for testing the simulator itself: a simulator whose
/// checkers never fire would pass every seed. Each must be caught within a modest number of seeds.
/// The real core is never sabotaged.
/// </summary>
[Flags]
public enum Sabotage
{
    None = 0,

    /// <summary>Reads are answered from whatever node the client asks, without ReadIndex: stale reads.</summary>
    ReadsWithoutReadIndex = 1 << 0,

    /// <summary>The disk keeps neither term nor vote: a restarted node may vote again in a term it voted in.</summary>
    ForgetVotes = 1 << 1,

    /// <summary>The disk lies about fsync: a crash loses the last batch that was reported durable.</summary>
    LoseLastWriteOnCrash = 1 << 2,

    /// <summary>The driver sends a Ready's messages before persisting it: acknowledgements of entries not yet durable.</summary>
    SendBeforePersist = 1 << 3,
}
