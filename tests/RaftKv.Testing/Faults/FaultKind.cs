namespace RaftKv.Testing.Faults;

/// <summary>What a <see cref="Nemesis"/> can do to a cluster.</summary>
public enum FaultKind
{
    /// <summary>kill -9 one node (two of five, sometimes), keep it down a while, start it again on the same data.</summary>
    KillRestart,

    /// <summary>SIGSTOP one node for longer than an election timeout, then SIGCONT: a paused leader wakes up deposed.</summary>
    Pause,

    /// <summary>Split the nodes into a majority and a minority (the leader on either side).</summary>
    MajorityMinority,

    /// <summary>Cut the leader off from every peer, both ways.</summary>
    IsolateLeader,

    /// <summary>The leader's messages stop reaching the others, theirs still reach it (or the reverse).</summary>
    OneWay,

    /// <summary>Two halves that each see a bridge node, but not each other (a non-transitive partition).</summary>
    Bridge,

    /// <summary>A random partition that changes every few hundred milliseconds.</summary>
    Flapping,

    /// <summary>Added latency on every peer link.</summary>
    Delay,
}
