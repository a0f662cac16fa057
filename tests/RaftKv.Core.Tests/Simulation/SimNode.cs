using RaftKv.Replica.Io;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// One simulated server: the shipped <see cref="Replica.Replica"/> (null while crashed) with the real KV state
/// machine, its disk (which survives crashes), and the storage writer and outbox of its current incarnation.
/// </summary>
public sealed class SimNode(int id, Sabotage sabotage = Sabotage.None)
{
    public int Id { get; } = id;
    public SimDisk Disk { get; } = new(sabotage);
    public Replica.Replica? Replica { get; set; }
    public SimStorage Storage { get; set; } = new();
    public SimOutbox Outbox { get; } = new();

    /// <summary>Bumped at each crash, so events scheduled for an earlier life of the node are ignored.</summary>
    public int Incarnation { get; set; }

    public bool IsUp => Replica is not null;
    public Raft? Core => Replica?.Core;

    /// <summary>Paused (not crashed) until this virtual time: its events wait until then.</summary>
    public long PausedUntil { get; set; }

    /// <summary>Virtual time between this node's ticks (its clock's rate).</summary>
    public int TickInterval { get; set; }

    /// <summary>Highest commit index already reported to the checkers in this incarnation.</summary>
    public long ObservedCommit { get; set; }

    /// <summary>Digest of the applied prefix (every entry applied, in order), for State Machine Safety.</summary>
    public ulong Digest { get; set; }

    /// <summary>The index the state machine has applied through, as its observer saw it.</summary>
    public long AppliedIndex { get; set; }

    public override string ToString() =>
        Replica is { } r
            ? $"{r.Core}, {r.Core.Config}, stabled {r.Core.StabledIndex}, snapshot {r.Core.FirstIndex - 1}, vote {r.Core.Vote}, " +
              $"state machine at {r.StateMachine.AppliedIndex}, writes in flight {r.PersistRequestsInFlight}{(Disk.Full ? ", disk full" : "")}" +
              $"{(PausedUntil > 0 ? $", paused until {PausedUntil}" : "")}"
            : $"node {Id} down (incarnation {Incarnation})";
}
