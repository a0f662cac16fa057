namespace RaftKv.Core.Tests.Simulation;

/// <summary>The faults a simulation run may inject; each seed draws a mix.</summary>
[Flags]
public enum FaultKinds
{
    None = 0,

    /// <summary>Messages are lost.</summary>
    Drops = 1 << 0,

    /// <summary>Messages arrive twice.</summary>
    Duplicates = 1 << 1,

    /// <summary>A few messages are held back for many election timeouts, so they arrive stale (even after a restart).</summary>
    LongDelays = 1 << 2,

    /// <summary>Nodes crash (losing everything not yet durable) and restart from their disk.</summary>
    Crashes = 1 << 3,

    /// <summary>
    /// Crashes between any two steps of the replica's work: midway through sending, after sending and applying but
    /// before the writes are durable, after a write is durable but before the replica hears of it, mid-compaction.
    /// </summary>
    CrashesDuringReady = 1 << 4,

    /// <summary>The cluster splits into two groups that cannot talk.</summary>
    SymmetricPartitions = 1 << 5,

    /// <summary>Some links carry messages in one direction only.</summary>
    OneWayPartitions = 1 << 6,

    /// <summary>The current leader is cut off from everyone.</summary>
    LeaderIsolation = 1 << 7,

    /// <summary>A partition that comes and goes every few ticks.</summary>
    FlappingPartitions = 1 << 8,

    /// <summary>The leader is asked to hand leadership to another voter.</summary>
    LeadershipTransfers = 1 << 9,

    /// <summary>Nodes compact their logs into snapshots, so lagging followers need InstallSnapshot.</summary>
    Compaction = 1 << 10,

    /// <summary>A voter is removed and a brand-new node is added as a learner, then promoted (up to three times).</summary>
    MembershipChanges = 1 << 11,

    /// <summary>A node stops for a while (a long GC pause, SIGSTOP): nothing is lost, everything waits, then floods in.</summary>
    Pauses = 1 << 12,

    /// <summary>Nodes' clocks tick at different rates (up to 30% apart).</summary>
    ClockSkew = 1 << 13,

    /// <summary>A node's disk fills up for a while: writes wait, snapshots fail, client writes are refused; then space returns.</summary>
    DiskFull = 1 << 14,

    /// <summary>The network delivers a client's request again, long after (the client moved on): it must not be applied again.</summary>
    LateDuplicates = 1 << 15,

    /// <summary>Half the writes come from one-shot clients, each with a new session (as every raftctl run is).</summary>
    SessionChurn = 1 << 16,
}
