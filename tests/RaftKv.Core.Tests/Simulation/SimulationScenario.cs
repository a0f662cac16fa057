namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// The shape of one simulation run, drawn from its seed: cluster size, the core's options, the fault
/// mix and the network's behaviour. Virtual time is in abstract units; a tick is <see cref="TickInterval"/> units.
/// </summary>
public sealed record SimulationScenario
{
    public required int Seed { get; init; }
    public required int NodeCount { get; init; }
    public required FaultKinds Faults { get; init; }

    public required int ElectionTicks { get; init; }
    public required int HeartbeatTicks { get; init; }
    public required bool PreVote { get; init; }
    public required bool CheckQuorum { get; init; }
    public required int MaxInflightMessages { get; init; }
    public required int MaxMessageBytes { get; init; }
    public required long MaxUncommittedBytes { get; init; }

    public required int TickInterval { get; init; }
    public required int MaxMessageDelay { get; init; }
    public required int MaxDiskDelay { get; init; }
    public required double DropRate { get; init; }
    public required double DuplicateRate { get; init; }
    public required double LongDelayRate { get; init; }

    /// <summary>How long faults are injected; then everything heals and liveness is checked.</summary>
    public required int ChaosDuration { get; init; }

    /// <summary>With <see cref="FaultKinds.CrashesDuringReady"/>: the chance that handling one Ready is cut short by a crash.</summary>
    public required double ReadyCrashRate { get; init; }

    /// <summary>Longest time a crashed node stays down (during the chaos phase).</summary>
    public required int MaxDowntime { get; init; }

    /// <summary>Mean time between fault events during the chaos phase.</summary>
    public required int MeanFaultInterval { get; init; }

    public required int ClientCount { get; init; }
    public required int KeyCount { get; init; }

    /// <summary>A node compacts once this many entries were applied since its last snapshot.</summary>
    public required int CompactEvery { get; init; }

    /// <summary>How snapshots travel and install, and the snapshot faults (drawn from a random source of their own).</summary>
    public required SnapshotScenario Snapshots { get; init; }

    /// <summary>Client sessions each state machine keeps.</summary>
    public int MaxSessions { get; init; } = RaftKv.StateMachine.KvStateMachine.DefaultMaxSessions;

    /// <summary>Virtual time one election timeout spans (the base, not the randomized one).</summary>
    public int ElectionTimeout => ElectionTicks * TickInterval;

    /// <summary>Draws a scenario from <paramref name="rng"/> (the run's only random source).</summary>
    public static SimulationScenario Draw(int seed, Random rng)
    {
        var nodeCount = rng.Next(2) == 0 ? 3 : 5;
        var faults = FaultKinds.None;
        foreach (var kind in Enum.GetValues<FaultKinds>())
            if (kind != FaultKinds.None && rng.NextDouble() < 0.45) faults |= kind;
        if (rng.Next(10) == 0) faults = FaultKinds.None; // some calm runs: the happy path must work too
        if ((faults & FaultKinds.CrashesDuringReady) != 0) faults |= FaultKinds.Crashes;
        var electionTicks = rng.Next(8, 16);
        var scenario = new SimulationScenario
        {
            Seed = seed,
            NodeCount = nodeCount,
            Faults = faults,
            ElectionTicks = electionTicks,
            HeartbeatTicks = rng.Next(1, 4),
            PreVote = rng.Next(5) != 0,
            CheckQuorum = rng.Next(5) != 0,
            MaxInflightMessages = rng.Next(4) == 0 ? 1 : rng.Next(2, 16),
            MaxMessageBytes = rng.Next(3) == 0 ? rng.Next(1, 200) : 1 << 20,
            MaxUncommittedBytes = rng.Next(4) == 0 ? rng.Next(40, 400) : 64L << 20,
            TickInterval = 10,
            MaxMessageDelay = rng.Next(1, 25),
            // Now and then a slow disk: the replica keeps ticking and heartbeating while a write takes many ticks.
            MaxDiskDelay = rng.Next(4) == 0 ? rng.Next(10, 80) : rng.Next(0, 6),
            DropRate = (faults & FaultKinds.Drops) != 0 ? rng.NextDouble() * 0.2 : 0,
            DuplicateRate = (faults & FaultKinds.Duplicates) != 0 ? rng.NextDouble() * 0.1 : 0,
            LongDelayRate = (faults & FaultKinds.LongDelays) != 0 ? rng.NextDouble() * 0.02 : 0,
            ChaosDuration = rng.Next(150, 400) * 10,
            MeanFaultInterval = rng.Next(10, 40) * 10,
            ReadyCrashRate = 0.002 + rng.NextDouble() * 0.015,
            MaxDowntime = rng.Next(2) == 0 ? rng.Next(2, 6) * 10 : 4 * electionTicks * 10,
            ClientCount = rng.Next(2, 5),
            KeyCount = rng.Next(1, 4),
            CompactEvery = rng.Next(3, 40),
            Snapshots = SnapshotScenario.Draw(seed, faults, electionTicks * 10),
        };
        // Now and then compaction after every entry or two: the leader may compact again while a transfer is in flight.
        if (scenario.Snapshots.VeryFrequentCompaction) scenario = scenario with { CompactEvery = 1 + (seed & 1) };
        // A quarter of the seeds keep only a few sessions: churn pushes the clients' own sessions out (past any limit),
        // so late retries meet expired sessions and must be refused, never applied.
        return rng.Next(4) == 0 ? scenario with { MaxSessions = scenario.ClientCount + rng.Next(1, 5) } : scenario;
    }

    public override string ToString() =>
        $"seed {Seed}: {NodeCount} nodes, faults [{Faults}], election {ElectionTicks} ticks, heartbeat {HeartbeatTicks}, " +
        $"prevote {PreVote}, checkquorum {CheckQuorum}, inflight {MaxInflightMessages}, msgbytes {MaxMessageBytes}, uncommitted {MaxUncommittedBytes}, " +
        $"delay ≤{MaxMessageDelay}, drop {DropRate:0.###}, dup {DuplicateRate:0.###}, long {LongDelayRate:0.####}, " +
        $"disk delay ≤{MaxDiskDelay}, chaos {ChaosDuration}, clients {ClientCount}, keys {KeyCount}, compact every {CompactEvery}, sessions {MaxSessions}; snapshots: {Snapshots}";
}
