using RaftKv.Core.Tests.Simulation.Invariants;
using RaftKv.Replica;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// A deterministic cluster simulation (in the spirit of TigerBeetle's VOPR) of the shipped replica: every node is a
/// <see cref="Replica.Replica"/> — the very type <c>raftnode</c> runs — with the real KV state machine, driven by
/// events on virtual time: ticks, a virtual network that drops, duplicates, delays, reorders and partitions, a
/// simulated storage writer with latency and a disk that fills up and crashes between any two steps keeping only
/// what was made durable, and clients that retry with the same client id and seq. One <see cref="Random"/> seeded
/// with the run's seed drives every choice, so a seed replays exactly.
///
/// The run has two phases: chaos (faults are injected) and healed (every fault is lifted and all nodes run). After
/// every event the safety checkers run against the node it touched; in the healed phase a leader must emerge and
/// everything pending must commit within a bounded virtual time; at the end every node must hold the same state,
/// no write may have taken effect twice, every acknowledged write exactly once, and the client history must be
/// linearizable.
///
/// The class is split by what it simulates: this file drives (set-up, the event loop, the replicas' inputs and
/// their storage); ClusterSimulation.Network.cs, .Faults.cs, .Clients.cs and .Checks.cs hold the rest.
/// </summary>
public sealed partial class ClusterSimulation
{
    private const int TraceCapacity = 400;
    private const long MaxSteps = 3_000_000;

    /// <summary>Addresses for leader hints; a simulated cluster never grows past this.</summary>
    private static readonly string[] Addresses = [.. Enumerable.Range(0, 16).Select(i => $"node{i}:7000")];

    private readonly Random _rng;
    private readonly SimulationScenario _s;
    private readonly PriorityQueue<SimEvent, (long Time, long Seq)> _events = new();
    private readonly List<SimNode> _nodes = [];
    private readonly List<SimClient> _clients = [];
    private readonly ClusterConfig _initialConfig;
    private readonly TraceBuffer _trace;
    private readonly Sabotage _sabotage;
    private readonly bool _reshaped;

    private long _now;
    private long _seq;
    private long _step;
    private bool _healed;
    private long _healTime;
    private bool _done;

    private int _crashes;
    private int _snapshotsInstalled;
    private int _compactions;

    /// <param name="seed">The run's seed: everything follows from it.</param>
    /// <param name="traceCapacity">How many recent events a failure report shows.</param>
    /// <param name="sabotage">Deliberate bugs around the replica, only for testing that the checkers catch them.</param>
    /// <param name="reshape">Adjusts the drawn scenario (tests that need a particular fault mix).</param>
    public ClusterSimulation(int seed, int traceCapacity = TraceCapacity, Sabotage sabotage = Sabotage.None,
        Func<SimulationScenario, SimulationScenario>? reshape = null)
    {
        _sabotage = sabotage;
        _trace = new TraceBuffer(traceCapacity);
        _rng = new Random(seed);
        _snapRng = new Random(unchecked(seed * 7_919 + 0x51));
        _s = SimulationScenario.Draw(seed, _rng);
        if (reshape is not null) _s = reshape(_s);
        _reshaped = reshape is not null;
        _initialConfig = ClusterConfig.OfVoters([.. Enumerable.Range(0, _s.NodeCount)]);
        _dropRate = _s.DropRate;
        _duplicateRate = _s.DuplicateRate;
        _longDelayRate = _s.LongDelayRate;
    }

    public SimulationScenario Scenario => _s;

    /// <summary>The most recent events, oldest first.</summary>
    public string RecentEvents => _trace.ToString();

    /// <summary>Runs the seed to the end. Throws <see cref="SimulationFailureException"/> when anything is violated.</summary>
    public SimulationResult Run()
    {
        try
        {
            Start();
            while (!_done)
            {
                if (!_events.TryDequeue(out var ev, out var at)) throw new InvalidOperationException("the event queue ran dry");
                _now = at.Time;
                _step++;
                if (_step > MaxSteps) throw new InvalidOperationException($"the run did not finish within {MaxSteps} steps");
                Handle(ev);
                if (_healed) CheckProgress();
            }
            CheckFinalState();
        }
        catch (Exception e) when (e is not SimulationFailureException)
        {
            throw new SimulationFailureException(_s.Seed, $"{e.GetType().Name}: {e.Message}", Report(), e,
                exactReplay: !_reshaped && _sabotage == Sabotage.None);
        }
        return new SimulationResult
        {
            Seed = _s.Seed,
            NodeCount = _s.NodeCount,
            Faults = _s.Faults,
            Steps = _step,
            VirtualTime = _now,
            Elections = _electionSafety.Elections,
            CommandsCommitted = _commandsCommitted,
            WritesAcknowledged = _writesAcknowledged,
            ReadsCompleted = _reads.Count,
            Retries = _retries,
            LateDuplicates = _lateDuplicates,
            Registrations = _registrations,
            Crashes = _crashes,
            Partitions = _partitions,
            SnapshotsInstalled = _snapshotsInstalled,
            Compactions = _compactions,
            Transfers = _transfers,
            MembershipChanges = _membershipChanges,
            DiskFullEpisodes = _diskFullEpisodes,
            MessagesDelivered = _delivered,
            MessagesLost = _lost,
            RecoveryTime = _recoveryTime,
            Snapshots = SnapshotStats(),
        };
    }

    private string Report()
    {
        var nodes = string.Join(Environment.NewLine, _nodes.Select(n => "  " + n));
        return $"Scenario: {_s}{Environment.NewLine}At step {_step}, time {_now}{(_healed ? $" (healed at {_healTime})" : "")}:{Environment.NewLine}" +
               $"{nodes}{Environment.NewLine}Last events:{Environment.NewLine}{_trace}";
    }

    private void Trace(string label, object? detail = null) => _trace.Add(_step, _now, label, detail);

    // ------------------------------------------------------------------ set-up and scheduling

    private void Start()
    {
        Trace("scenario", _s);
        for (var i = 0; i < _s.NodeCount; i++) AddNode(new SimNode(i, _sabotage));
        for (var c = 0; c < _s.ClientCount; c++)
        {
            var client = new SimClient(c) { LeaderGuess = _rng.Next(_s.NodeCount) };
            _clients.Add(client);
            WakeClient(client, _rng.Next(1, 100));
        }
        if (HasAny(FaultKinds.Crashes | FaultKinds.SymmetricPartitions | FaultKinds.OneWayPartitions | FaultKinds.LeaderIsolation |
                   FaultKinds.FlappingPartitions | FaultKinds.LeadershipTransfers | FaultKinds.MembershipChanges | FaultKinds.Pauses |
                   FaultKinds.DiskFull))
            Schedule(NextFaultDelay(), new SimEvent(SimEventKind.Action, Action: InjectFault, Label: "fault"));
        Schedule(_s.ChaosDuration, new SimEvent(SimEventKind.Action, Action: Heal, Label: "heal"));
        StartSnapshotScenarios();
    }

    private bool Has(FaultKinds kind) => (_s.Faults & kind) != 0;
    private bool HasAny(FaultKinds kinds) => (_s.Faults & kinds) != 0;

    private void Schedule(long delay, SimEvent ev) => _events.Enqueue(ev, (_now + Math.Max(0, delay), _seq++));

    private ReplicaOptions OptionsFor(int id) => new()
    {
        Raft = new RaftOptions
        {
            Id = id,
            InitialConfig = _initialConfig,
            ElectionTicks = _s.ElectionTicks,
            HeartbeatTicks = _s.HeartbeatTicks,
            PreVote = _s.PreVote,
            CheckQuorum = _s.CheckQuorum,
            MaxInflightMessages = _s.MaxInflightMessages,
            MaxMessageBytes = _s.MaxMessageBytes,
            MaxUncommittedBytes = _s.MaxUncommittedBytes,
        },
        Servers = Addresses,
        SnapshotEntries = CompactionThreshold(),
        SnapshotLogBytes = _s.Snapshots.CompactLogBytes ?? ReplicaOptions.DefaultSnapshotLogBytes,
        CompactionRetryTicks = 5,
        MaxSessions = _s.MaxSessions,
    };

    private void AddNode(SimNode node)
    {
        node.TickInterval = Has(FaultKinds.ClockSkew)
            ? (int)Math.Round(_s.TickInterval * (0.7 + 0.6 * _rng.NextDouble()))
            : _s.TickInterval;
        _nodes.Add(node);
        Boot(node);
    }

    /// <summary>Starts (or restarts) a node from what its disk holds: a new replica, as a restarted process would.</summary>
    private void Boot(SimNode node)
    {
        node.Storage = new SimStorage();
        node.Outbox.Sent.Clear();
        node.ObservedCommit = 0;
        node.Digest = 0;
        node.AppliedIndex = 0;
        var observer = new SimApplyObserver(this, node);
        var state = node.Disk.Load();
        CheckRecovered(node, state);
        node.Replica = new Replica.Replica(OptionsFor(node.Id), state, new Random(_rng.Next()), node.Storage, node.Outbox,
            applied: observer);
        Schedule(_rng.Next(1, node.TickInterval + 1), new SimEvent(SimEventKind.Tick, node.Id, node.Incarnation));
        Input(node, "boot", _ => { });
    }

    // ------------------------------------------------------------------ events

    private void Handle(SimEvent ev)
    {
        if (ev.Node >= 0 && ev.Kind is SimEventKind.Tick or SimEventKind.Storage or SimEventKind.StorageDone or SimEventKind.ClientRequest
            && _nodes[ev.Node].PausedUntil > _now)
        {
            // A paused process does nothing; what it missed waits (a tick coalesces into one).
            Schedule(_nodes[ev.Node].PausedUntil - _now, ev);
            return;
        }
        if (ev is { Kind: SimEventKind.Deliver, Message: { } m } && m.To < _nodes.Count && _nodes[m.To].PausedUntil > _now)
        {
            // The message sits in the paused process's socket buffer.
            Schedule(_nodes[m.To].PausedUntil - _now, ev);
            return;
        }
        switch (ev.Kind)
        {
            case SimEventKind.Tick:
            {
                var node = _nodes[ev.Node];
                if (node.Incarnation != ev.Incarnation || !node.IsUp) return;
                Input(node, null, r => r.Tick());
                Schedule(node.TickInterval + _rng.Next(-1, 2), ev);
                break;
            }
            case SimEventKind.Deliver:
                Deliver(ev.Message!);
                break;
            case SimEventKind.Storage:
            {
                var node = _nodes[ev.Node];
                if (node.Incarnation != ev.Incarnation || !node.IsUp) return;
                StorageStep(node);
                break;
            }
            case SimEventKind.StorageDone:
            {
                var node = _nodes[ev.Node];
                if (node.Incarnation != ev.Incarnation || !node.IsUp) return;
                ev.Action!();
                break;
            }
            case SimEventKind.ClientRequest:
                DeliverRequest(ev.Call!);
                break;
            case SimEventKind.ClientWake:
            {
                var client = _clients[ev.Client];
                if (client.Token != ev.Token) return;
                ClientWake(client);
                break;
            }
            case SimEventKind.SnapshotChunk:
                ev.Action!();
                break;
            case SimEventKind.Action:
                Trace(ev.Label ?? "action");
                ev.Action!();
                break;
        }
    }

    /// <summary>
    /// Feeds the replica one event and lets it flush, as the host's loop does: then puts what it sent on the network,
    /// starts its storage writer, and checks the invariants on what changed. With crash points on, the process may
    /// die halfway through sending, or after sending and applying but before its writes are durable.
    /// </summary>
    private void Input(SimNode node, string? label, Action<Replica.Replica> input)
    {
        var replica = node.Replica!;
        if (label is not null) Trace($"node {node.Id}: {label}");
        // A commit decided under the configuration of before this step counts that configuration's voters: a
        // membership change takes effect when the replica applies it, possibly within the same flush.
        var votersBefore = replica.Core.Config.Voters;
        input(replica);
        replica.Flush();
        var sent = node.Outbox.Sent.ToArray();
        node.Outbox.Sent.Clear();
        var crashAt = CrashPoint() ? _rng.Next(2) : -1;
        var send = crashAt == 0 ? _rng.Next(sent.Length + 1) : sent.Length;
        for (var i = 0; i < send; i++) Send(node, sent[i]);
        CheckNode(node, votersBefore);
        if (crashAt == 0)
        {
            Crash(node, $"after sending {send} of {sent.Length} messages");
            return;
        }
        if (crashAt == 1 && node.Storage.Requests.Count > 0)
        {
            Crash(node, "after sending and applying, before its writes are durable");
            return;
        }
        if ((_sabotage & Sabotage.AckBeforePersist) != 0) AckEarly(node);
        StartStorage(node);
    }

    private bool CrashPoint() => Has(FaultKinds.CrashesDuringReady) && !_healed && _rng.NextDouble() < _s.ReadyCrashRate;

    // ------------------------------------------------------------------ the simulated storage writer

    private void StartStorage(SimNode node)
    {
        if (node.Storage.Busy || node.Storage.Requests.Count == 0) return;
        node.Storage.Busy = true;
        // The time the disk takes: everything the replica does meanwhile is not yet durable.
        Schedule(_rng.Next(_s.MaxDiskDelay + 1), new SimEvent(SimEventKind.Storage, node.Id, node.Incarnation));
    }

    /// <summary>One step of the writer: every queued persistence request in one write (group commit), or one compaction.</summary>
    private void StorageStep(SimNode node)
    {
        var incarnation = node.Incarnation;
        bool Died() => node.Incarnation != incarnation;
        var storage = node.Storage;
        storage.Busy = false;
        if (!storage.Requests.TryPeek(out var next)) return;
        if (node.Disk.Full)
        {
            WaitForSpace(node, next);
            return;
        }
        if (next is Replica.Io.PersistRequest)
        {
            var ids = new List<long>();
            while (storage.Requests.TryPeek(out var p) && p is Replica.Io.PersistRequest persist)
            {
                storage.Requests.Dequeue();
                if (persist.Snapshot is { } installing)
                {
                    if (!InstallOnDisk(node, persist, installing)) return;
                }
                else
                {
                    node.Disk.Persist(node.Id, persist.HardState, persist.Entries, null);
                }
                ids.Add(persist.Id);
            }
            Trace($"node {node.Id} wrote", $"requests {string.Join(",", ids)}");
            SpaceReturned(node);
            if (Died()) return;
            if (CrashPoint())
            {
                Crash(node, "after its write is durable, before the replica hears of it");
                return;
            }
            if ((_sabotage & Sabotage.AckBeforePersist) == 0)
                Schedule(1, new SimEvent(SimEventKind.StorageDone, node.Id, node.Incarnation, Action: () =>
                    Input(node, $"durable {string.Join(",", ids)}", r => ids.ForEach(r.OnPersisted))));
        }
        else
        {
            var compact = (Replica.Io.CompactRequest)storage.Requests.Dequeue();
            if (compact.HardState is { } hs) node.Disk.Persist(node.Id, hs, [], null);
            if (CrashPoint())
            {
                Crash(node, "in the middle of a compaction (hard state written, snapshot not)");
                return;
            }
            // Serialised now, a disk delay after the replica captured it and went on applying: the bytes must still be
            // the state at the captured index (a view that was not frozen would carry later writes, and a node restarted
            // from it would apply them twice, which the exactly-once and final-state checks catch).
            var snapshot = compact.TakeSnapshot();
            CheckSnapshotIsOfItsIndex(node, snapshot);
            node.Disk.Compact(snapshot);
            _compactions++;
            if (_streams.Values.Any(t => t.From == node.Id && t.FromIncarnation == incarnation && !t.Ended && !t.Delivered)) _compactionsDuringTransfer++;
            Trace($"node {node.Id} compacted", $"through index {snapshot.Metadata.Index}, captured while applied was {node.Replica?.StateMachine.AppliedIndex}");
            SpaceReturned(node);
            if (Died()) return;
            if (CrashPoint())
            {
                Crash(node, "after the snapshot is durable, before the replica hears of it (its log is not yet compacted)");
                return;
            }
            Schedule(1, new SimEvent(SimEventKind.StorageDone, node.Id, node.Incarnation, Action: () =>
                Input(node, $"compaction {compact.Id} stored", r => r.OnCompacted(compact.Id, snapshot))));
        }
        StartStorage(node);
    }

    /// <summary>A snapshot serialised after its capture must hold exactly the state at its index: same applied index inside.</summary>
    private void CheckSnapshotIsOfItsIndex(SimNode node, Snapshot snapshot)
    {
        var probe = new RaftKv.StateMachine.KvStateMachine(_s.MaxSessions);
        probe.Restore(SnapshotBytes.ReadAll(snapshot.Data));
        if (probe.AppliedIndex != snapshot.Metadata.Index)
            throw new InvariantViolationException("Snapshot point in time",
                $"node {node.Id}'s snapshot at index {snapshot.Metadata.Index} holds state applied through {probe.AppliedIndex}");
    }

    /// <summary>The disk is full: nothing is written. Appends wait and are retried; a compaction is reported failed.</summary>
    private void WaitForSpace(SimNode node, object next)
    {
        var incarnation = node.Incarnation;
        var storage = node.Storage;
        if (!storage.ReportedFull)
        {
            storage.ReportedFull = true;
            Input(node, "disk full", r => r.OnDiskFull(true));
            if (node.Incarnation != incarnation) return;
        }
        if (next is Replica.Io.CompactRequest compact)
        {
            storage.Requests.Dequeue();
            Input(node, $"compaction {compact.Id} failed: disk full", r => r.OnCompacted(compact.Id, stored: null));
            if (node.Incarnation != incarnation) return;
            StartStorage(node);
            return;
        }
        storage.Busy = true;
        Schedule(5 * _s.TickInterval, new SimEvent(SimEventKind.Storage, node.Id, node.Incarnation));
    }

    private void SpaceReturned(SimNode node)
    {
        if (!node.Storage.ReportedFull) return;
        node.Storage.ReportedFull = false;
        Input(node, "disk writable again", r => r.OnDiskFull(false));
    }

    /// <summary>Sabotage: the writer tells the replica its requests are durable before writing them.</summary>
    private void AckEarly(SimNode node)
    {
        foreach (var request in node.Storage.Requests)
        {
            if (request is not Replica.Io.PersistRequest p || !node.Storage.AckedEarly.Add(p.Id)) continue;
            Schedule(0, new SimEvent(SimEventKind.StorageDone, node.Id, node.Incarnation, Action: () =>
                Input(node, $"durable {p.Id} (a lie)", r => r.OnPersisted(p.Id))));
        }
    }
}
