using RaftKv.Core;
using RaftKv.Replica.Io;

namespace RaftKv.Replica;

/// <summary>What the replica decides with, beyond the Raft core's own options. Time is counted in ticks.</summary>
public sealed record ReplicaOptions
{
    /// <summary>The Raft core's options (id, membership, election and heartbeat ticks).</summary>
    public required RaftOptions Raft { get; init; }

    /// <summary>The bootstrap members' "host:port" by node id (servers.txt); the committed configuration's addresses win over it.</summary>
    public required IReadOnlyList<string> Servers { get; init; }

    /// <summary>This node's advertised "host:port" when servers.txt does not list it (a node that joined).</summary>
    public string? Address { get; init; }

    /// <summary>Member addresses known besides <see cref="Servers"/> (a joining node learns them from the cluster).</summary>
    public IReadOnlyDictionary<int, string> KnownPeers { get; init; } = new Dictionary<int, string>();

    /// <summary>The cluster's identity, shown in status (a joining node reads it there).</summary>
    public string? ClusterId { get; init; }

    /// <summary>Take a snapshot and compact the log once this many entries were applied since the last one.</summary>
    public long SnapshotEntries { get; init; } = 50_000;

    /// <summary>Also take one once the entries applied since the last snapshot hold this many bytes of commands.</summary>
    public long SnapshotLogBytes { get; init; } = DefaultSnapshotLogBytes;

    public const long DefaultSnapshotLogBytes = 256L << 20;

    /// <summary>Largest value a client may store, in bytes.</summary>
    public int MaxValueBytes { get; init; } = RaftKv.Protocol.ProtocolLimits.MaxValueBytes;

    /// <summary>
    /// How long a request that needs a leader waits while an election is under way, instead of bouncing with no
    /// leader to try; 0 means twice the election timeout.
    /// </summary>
    public int LeaderWaitTicks { get; init; }

    /// <summary>
    /// How many client sessions the state machine keeps (docs/PROTOCOL.md, "Sessions"). Must be the same on every
    /// member, or they would expire different sessions; raftnode always uses the default. A simulator sets it low
    /// to drive session churn past the limit in a few hundred entries.
    /// </summary>
    public int MaxSessions { get; init; } = RaftKv.StateMachine.SessionRules.DefaultMaxSessions;

    /// <summary>After a snapshot could not be stored (disk full), wait this long before trying again.</summary>
    public int CompactionRetryTicks { get; init; } = 100;

    /// <summary>Ticks in one second of the host's clock: lease TTLs are seconds, and the leader counts them in ticks.</summary>
    public int TicksPerSecond { get; init; } = 100;

    /// <summary>Leader-only periodic proposals (see <see cref="ILeaderDuty"/>).</summary>
    public IReadOnlyList<ILeaderDuty> LeaderDuties { get; init; } = [];

    internal int EffectiveLeaderWaitTicks => LeaderWaitTicks > 0 ? LeaderWaitTicks : 2 * Raft.ElectionTicks;

    public void Validate()
    {
        Raft.Validate();
        if (SnapshotEntries < 1) throw new ArgumentException($"--snapshot-entries must be at least 1, was {SnapshotEntries}");
        if (SnapshotLogBytes < 1) throw new ArgumentException($"--snapshot-log-bytes must be at least 1, was {SnapshotLogBytes}");
        if (MaxValueBytes < 1) throw new ArgumentException($"the value limit must be positive, was {MaxValueBytes}");
        if (MaxSessions < 1) throw new ArgumentException($"MaxSessions must be at least 1, was {MaxSessions}");
        if (TicksPerSecond < 1) throw new ArgumentException($"TicksPerSecond must be at least 1, was {TicksPerSecond}");
        if (CompactionRetryTicks < 1) throw new ArgumentException($"CompactionRetryTicks must be at least 1, was {CompactionRetryTicks}");
    }
}
