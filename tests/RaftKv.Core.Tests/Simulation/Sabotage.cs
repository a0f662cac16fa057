namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// Deliberate bugs around the replica, for testing the simulator itself: a simulator whose checkers never fire
/// would pass every seed. Each must be caught within a modest number of seeds. The replica's code is never
/// changed: each sabotage is what a broken host, disk, configuration or client would do to it.
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

    /// <summary>
    /// The storage writer tells the replica a write is durable before making it so: the replica then acknowledges
    /// entries (and counts its own copy) that a crash loses.
    /// </summary>
    AckBeforePersist = 1 << 3,

    /// <summary>
    /// Clients retry a write with a new seq (as a client without sessions would), so the replica cannot tell the
    /// retry from a new write and applies the duplicate.
    /// </summary>
    RetryWithNewSeq = 1 << 4,

    /// <summary>
    /// A crash between storing a leader's snapshot and resetting the log recovers the old log after the new snapshot
    /// even where it does not continue it (the old log has another term at the snapshot's index): a mixed install.
    /// </summary>
    InstallKeepsOldLog = 1 << 5,

    /// <summary>
    /// The leader's transport restarts a snapshot stream whenever the core offers a newer snapshot (RaftKv before
    /// commit 20b7065): a follower whose transfer takes longer than the leader takes to compact never gets one.
    /// </summary>
    RestartStreamOnNewerSnapshot = 1 << 6,
}
