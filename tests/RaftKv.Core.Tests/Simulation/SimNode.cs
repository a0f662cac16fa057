namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// One simulated server: the real Raft core (null while crashed), its disk (which survives crashes),
/// its state machine (which does not), and the client requests waiting on it.
/// </summary>
public sealed class SimNode(int id, Sabotage sabotage = Sabotage.None)
{
    public int Id { get; } = id;
    public SimDisk Disk { get; } = new(sabotage);
    public Raft? Core { get; set; }
    public KvStateMachine Machine { get; set; } = new();

    /// <summary>Bumped at each crash, so events scheduled for an earlier life of the node are ignored.</summary>
    public int Incarnation { get; set; }

    public bool IsUp => Core is not null;

    /// <summary>Paused (not crashed) until this virtual time: its events wait until then.</summary>
    public long PausedUntil { get; set; }

    /// <summary>Virtual time between this node's ticks (its clock's rate).</summary>
    public int TickInterval { get; set; }
    public bool ReadyScheduled { get; set; }

    /// <summary>Highest commit index already reported to the checkers in this incarnation.</summary>
    public long ObservedCommit { get; set; }

    /// <summary>Accepted proposals by log index: the clients waiting to see that index applied here.</summary>
    public Dictionary<long, List<SimClient>> PendingWrites { get; } = [];

    /// <summary>Accepted ReadIndex requests by context.</summary>
    public Dictionary<long, SimClient> PendingReads { get; } = [];

    /// <summary>Read states received but not yet served (the state machine has not applied their index).</summary>
    public List<ReadState> ReadStates { get; } = [];

    public override string ToString() =>
        Core is { } core
            ? $"{core}, {core.Config}, stabled {core.StabledIndex}, snapshot {core.FirstIndex - 1}, vote {core.Vote}, state machine at {Machine.AppliedIndex}{(PausedUntil > 0 ? $", paused until {PausedUntil}" : "")}"
            : $"node {Id} down (incarnation {Incarnation})";
}
