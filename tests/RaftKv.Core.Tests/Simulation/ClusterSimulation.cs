using RaftKv.Core.Tests.Simulation.Invariants;
using RaftKv.Core.Tracking;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// A deterministic cluster simulation (in the spirit of TigerBeetle's VOPR): real Raft cores, a virtual
/// network that drops, duplicates, delays, reorders and partitions messages, crashes that keep only
/// what was made durable, and clients that write and read throughout. One <see cref="Random"/> seeded
/// with the run's seed drives every choice, so a seed replays exactly.
///
/// The run has two phases: chaos (faults are injected) and healed (every fault is lifted and all
/// nodes run). After every event the safety checkers run against the node it touched; in the healed
/// phase a leader must emerge and everything pending must commit within a bounded virtual time; at
/// the end every node must hold the same applied state and the client history must be linearizable.
/// </summary>
public sealed class ClusterSimulation
{
    private const int TraceCapacity = 400;
    private const long MaxSteps = 3_000_000;

    private readonly Random _rng;
    private readonly SimulationScenario _s;
    private readonly PriorityQueue<SimEvent, (long Time, long Seq)> _events = new();
    private readonly List<SimNode> _nodes = [];
    private readonly List<SimClient> _clients = [];
    private readonly ClusterConfig _initialConfig;
    private readonly TraceBuffer _trace;
    private readonly Sabotage _sabotage;
    private readonly bool _reshaped;

    private readonly ElectionSafetyChecker _electionSafety = new();
    private readonly LogMatchingChecker _logMatching = new();
    private readonly LeaderCompletenessChecker _leaderCompleteness = new();
    private readonly LeaderAppendOnlyChecker _leaderAppendOnly = new();
    private readonly StateMachineSafetyChecker _stateMachineSafety = new();

    /// <summary>Every applied entry by index: the committed log as the state machines saw it.</summary>
    private readonly Dictionary<long, Entry> _committedLog = [];
    private readonly Dictionary<long, long> _indexOfWrite = [];
    private readonly Dictionary<long, WriteOp> _writes = [];
    private readonly List<ReadOp> _reads = [];

    /// <summary>Blocked directed links, counted: overlapping partitions each hold their own block.</summary>
    private readonly Dictionary<(int From, int To), int> _blocked = [];

    private long _now;
    private long _seq;
    private long _step;
    private long _nextReadContext = 1;
    private double _dropRate;
    private double _duplicateRate;
    private double _longDelayRate;

    private bool _healed;
    private long _healTime;
    private long _livenessDeadline;
    private bool _clientsStopped;
    private bool _done;

    /// <summary>Membership plan, three rounds of: 0 = remove a voter, 1 = add a new learner, 2 = promote it.</summary>
    private int _membershipStage;
    private int _newMember = NodeIds.None;

    private int _crashes;
    private int _partitions;
    private int _snapshotsInstalled;
    private int _compactions;
    private int _transfers;
    private int _membershipChanges;
    private int _writesAcknowledged;
    private int _commandsCommitted;
    private long _delivered;
    private long _lost;
    private long _recoveryTime;

    /// <param name="seed">The run's seed: everything follows from it.</param>
    /// <param name="traceCapacity">How many recent events a failure report shows.</param>
    /// <param name="sabotage">Deliberate driver bugs, only for testing that the checkers catch them.</param>
    /// <param name="reshape">Adjusts the drawn scenario (tests that need a particular fault mix).</param>
    public ClusterSimulation(int seed, int traceCapacity = TraceCapacity, Sabotage sabotage = Sabotage.None,
        Func<SimulationScenario, SimulationScenario>? reshape = null)
    {
        _sabotage = sabotage;
        _trace = new TraceBuffer(traceCapacity);
        _rng = new Random(seed);
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
            Crashes = _crashes,
            Partitions = _partitions,
            SnapshotsInstalled = _snapshotsInstalled,
            Compactions = _compactions,
            Transfers = _transfers,
            MembershipChanges = _membershipChanges,
            MessagesDelivered = _delivered,
            MessagesLost = _lost,
            RecoveryTime = _recoveryTime,
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
        for (var i = 0; i < _s.NodeCount; i++)
        {
            AddNode(new SimNode(i, _sabotage));
        }
        for (var c = 0; c < _s.ClientCount; c++)
        {
            var client = new SimClient(c) { LeaderGuess = _rng.Next(_s.NodeCount) };
            _clients.Add(client);
            WakeClient(client, _rng.Next(1, 100));
        }
        if (HasAny(FaultKinds.Crashes | FaultKinds.SymmetricPartitions | FaultKinds.OneWayPartitions | FaultKinds.LeaderIsolation |
                   FaultKinds.FlappingPartitions | FaultKinds.LeadershipTransfers | FaultKinds.MembershipChanges | FaultKinds.Pauses))
            Schedule(NextFaultDelay(), new SimEvent(SimEventKind.Action, Action: InjectFault, Label: "fault"));
        Schedule(_s.ChaosDuration, new SimEvent(SimEventKind.Action, Action: Heal, Label: "heal"));
    }

    private bool Has(FaultKinds kind) => (_s.Faults & kind) != 0;
    private bool HasAny(FaultKinds kinds) => (_s.Faults & kinds) != 0;

    private void Schedule(long delay, SimEvent ev) => _events.Enqueue(ev, (_now + Math.Max(0, delay), _seq++));

    private RaftOptions OptionsFor(int id) => new()
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
    };

    private void AddNode(SimNode node)
    {
        node.TickInterval = Has(FaultKinds.ClockSkew)
            ? (int)Math.Round(_s.TickInterval * (0.7 + 0.6 * _rng.NextDouble()))
            : _s.TickInterval;
        _nodes.Add(node);
        Boot(node);
    }

    /// <summary>Starts (or restarts) a node from what its disk holds.</summary>
    private void Boot(SimNode node)
    {
        var state = node.Disk.Load();
        node.Core = new Raft(OptionsFor(node.Id), state, new Random(_rng.Next()));
        node.Machine = state.Snapshot is { } s ? KvStateMachine.FromSnapshot(s.Data, s.Metadata.Index) : new KvStateMachine();
        node.ObservedCommit = 0;
        // A restarted node's log came from its disk, which came from Ready entries already checked; the
        // commit index it restarts with is checked again here.
        Schedule(_rng.Next(1, node.TickInterval + 1), new SimEvent(SimEventKind.Tick, node.Id, node.Incarnation));
        AfterInput(node);
    }

    // ------------------------------------------------------------------ events

    private void Handle(SimEvent ev)
    {
        if (ev.Kind is SimEventKind.Tick or SimEventKind.ProcessReady && _nodes[ev.Node].PausedUntil > _now)
        {
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
                if (node.Incarnation != ev.Incarnation || node.Core is not { } core) return;
                core.Tick();
                AfterInput(node);
                Schedule(node.TickInterval + _rng.Next(-1, 2), ev);
                break;
            }
            case SimEventKind.Deliver:
                Deliver(ev.Message!);
                break;
            case SimEventKind.ProcessReady:
            {
                var node = _nodes[ev.Node];
                if (node.Incarnation != ev.Incarnation || !node.IsUp) return;
                node.ReadyScheduled = false;
                ProcessReady(node);
                break;
            }
            case SimEventKind.ClientWake:
            {
                var client = _clients[ev.Client];
                if (client.Token != ev.Token) return;
                ClientWake(client);
                break;
            }
            case SimEventKind.Action:
                Trace(ev.Label ?? "action");
                ev.Action!();
                break;
        }
    }

    private void Deliver(Message m)
    {
        var node = m.To < _nodes.Count ? _nodes[m.To] : null;
        if (node?.Core is not { } core)
        {
            _lost++;
            Trace("lost (node down)", m);
            return;
        }
        if (IsBlocked(m.From, m.To))
        {
            _lost++;
            Trace("lost (partition)", m);
            return;
        }
        _delivered++;
        Trace("deliver", m);
        core.Step(m);
        AfterInput(node);
    }

    /// <summary>After any input to a node: check the invariants on what changed, and make sure its Ready gets handled.</summary>
    private void AfterInput(SimNode node)
    {
        CheckNode(node);
        if (!node.ReadyScheduled && node.Core!.HasReady)
        {
            node.ReadyScheduled = true;
            // The time the disk takes: everything the core does until then is not durable.
            Schedule(_rng.Next(_s.MaxDiskDelay + 1), new SimEvent(SimEventKind.ProcessReady, node.Id, node.Incarnation));
        }
    }

    /// <summary>The driver contract: persist, then send, then apply, then serve reads, then Advance.</summary>
    private void ProcessReady(SimNode node)
    {
        var core = node.Core!;
        if (!core.HasReady) return;
        var ready = core.GetReady();
        if (ready.SoftState is { } soft) Trace($"node {node.Id} soft state", soft);

        var crashAt = -1;
        if (Has(FaultKinds.CrashesDuringReady) && !_healed && _rng.NextDouble() < _s.ReadyCrashRate) crashAt = _rng.Next(3);
        if ((_sabotage & Sabotage.SendBeforePersist) != 0)
        {
            foreach (var m in ready.AllMessages) Send(node, m);
            if (crashAt >= 0)
            {
                Crash(node, "after sending, before persisting (sabotaged order)");
                return;
            }
            node.Disk.Persist(node.Id, ready);
        }
        else
        {
            foreach (var m in ready.Messages) Send(node, m);
            if (crashAt == 0)
            {
                Crash(node, "before persisting its Ready");
                return;
            }
            node.Disk.Persist(node.Id, ready);
            if (crashAt == 1)
            {
                Crash(node, "after persisting, before sending");
                return;
            }
            var after = ready.MessagesAfterPersist;
            var send = crashAt == 2 ? _rng.Next(after.Count + 1) : after.Count;
            for (var i = 0; i < send; i++) Send(node, after[i]);
            if (crashAt == 2)
            {
                Crash(node, $"after sending {send} of {after.Count} messages");
                return;
            }
        }

        if (ready.Snapshot is { } snapshot)
        {
            var meta = snapshot.Metadata;
            node.Machine = KvStateMachine.FromSnapshot(snapshot.Data, meta.Index);
            _stateMachineSafety.ObserveApplied(node.Id, meta.Index, meta.Term, node.Machine.Digest);
            _snapshotsInstalled++;
            Trace($"node {node.Id} installed snapshot", $"index {meta.Index} term {meta.Term}");
            ResolveWritesCoveredBySnapshot(node, meta.Index);
        }
        foreach (var e in ready.CommittedEntries) Apply(node, e);
        node.ReadStates.AddRange(ready.ReadStates);
        ServeReads(node);
        core.Advance(ready);
        MaybeCompact(node);
        AfterInput(node);
    }

    private void Apply(SimNode node, Entry e)
    {
        var command = node.Machine.Apply(e);
        _stateMachineSafety.ObserveApplied(node.Id, e.Index, e.Term, node.Machine.Digest);
        if (_committedLog.TryAdd(e.Index, e) && command is { } c)
        {
            // Exactly once: a command is proposed once, so it can hold only one index of the committed log.
            if (!_indexOfWrite.TryAdd(c.Id, e.Index))
                throw new InvariantViolationException("Exactly once", $"write {Ids.Format(c.Id)} was committed at index {_indexOfWrite[c.Id]} and again at {e.Index}");
            if (!_writes.ContainsKey(c.Id))
                throw new InvariantViolationException("Integrity", $"committed write {Ids.Format(c.Id)} at index {e.Index} was never proposed");
            _commandsCommitted++;
        }
        if (node.PendingWrites.Remove(e.Index, out var waiting))
            foreach (var client in waiting) ResolveWrite(client, node, e);
    }

    private void ResolveWritesCoveredBySnapshot(SimNode node, long snapshotIndex)
    {
        // The snapshot holds these indexes without showing their entries; the committed log (applied
        // elsewhere first) says whether the proposal is what committed there.
        foreach (var index in node.PendingWrites.Keys.Where(i => i <= snapshotIndex).ToList())
        {
            node.PendingWrites.Remove(index, out var waiting);
            foreach (var client in waiting!)
            {
                if (_committedLog.TryGetValue(index, out var e)) ResolveWrite(client, node, e);
                else Abandon(client, "its index was covered by a snapshot");
            }
        }
    }

    private void ServeReads(SimNode node)
    {
        for (var i = 0; i < node.ReadStates.Count; i++)
        {
            var rs = node.ReadStates[i];
            if (rs.Index > node.Machine.AppliedIndex) continue;
            node.ReadStates.RemoveAt(i--);
            if (!node.PendingReads.Remove(rs.Context, out var client)) continue;
            if (client.Op is not { IsWrite: false } op || op.Context != rs.Context) continue;
            var value = node.Machine.Get(op.Key);
            _reads.Add(new ReadOp(op.Key, op.InvokeStep, _step, value));
            Trace($"client {client.Id} read '{op.Key}' at node {node.Id}", $"index {rs.Index} -> {Ids.Format(value)}");
            Complete(client);
        }
    }

    private void MaybeCompact(SimNode node)
    {
        var core = node.Core!;
        if (!Has(FaultKinds.Compaction) || core.AppliedIndex - (core.FirstIndex - 1) < _s.CompactEvery || _rng.Next(2) == 0) return;
        if (node.Machine.AppliedIndex != core.AppliedIndex)
            throw new InvariantViolationException("Apply", $"node {node.Id}: core applied {core.AppliedIndex}, state machine {node.Machine.AppliedIndex}");
        var snapshot = core.Compact(node.Machine.TakeSnapshot());
        node.Disk.Compact(snapshot);
        _compactions++;
        Trace($"node {node.Id} compacted", $"through index {snapshot.Metadata.Index}");
    }

    // ------------------------------------------------------------------ invariants after every step

    private void CheckNode(SimNode node)
    {
        var core = node.Core!;
        // Log Matching: every entry enters a core's log unstable (appended by the leader or received),
        // so checking the unstable tail after every step sees every entry any log ever held.
        var stabled = core.StabledIndex;
        if (core.LastIndex > stabled) _logMatching.ObserveLog(node.Id, core.TermAt(stabled), core.Entries(stabled + 1, core.LastIndex));

        var commit = core.CommitIndex;
        if (commit < node.ObservedCommit)
            throw new InvariantViolationException("Commit", $"node {node.Id}'s commit index went back from {node.ObservedCommit} to {commit}");
        if (commit > node.ObservedCommit)
        {
            if (core.Role == Role.Leader)
            {
                CommitDurabilityChecker.Check(node.Id, core.Term, commit, core.TermAt(commit), core.Config.Voters,
                    (voter, index) => voter < _nodes.Count ? _nodes[voter].Disk.TermAt(index) : -1);
            }
            for (var i = Math.Max(node.ObservedCommit + 1, core.FirstIndex - 1); i <= commit; i++)
            {
                var term = core.TermAt(i);
                if (i > 0 && term >= 0) _leaderCompleteness.ObserveCommitted(node.Id, core.Term, i, term);
            }
            node.ObservedCommit = commit;
        }

        if (core.Role == Role.Leader)
        {
            if (_electionSafety.ObserveLeader(node.Id, core.Term)) Trace($"node {node.Id} elected leader", $"term {core.Term}");
            var view = LeaderView.Of(core);
            _leaderAppendOnly.Observe(view);
            _leaderCompleteness.CheckLeader(view);
        }
    }

    // ------------------------------------------------------------------ network

    private bool IsBlocked(int from, int to) => _blocked.Count > 0 && _blocked.ContainsKey((from, to));

    private void Send(SimNode sender, Message m)
    {
        var unreachable = IsBlocked(m.From, m.To) || m.To >= _nodes.Count || !_nodes[m.To].IsUp;
        if (unreachable && _rng.Next(2) == 0)
        {
            // What a real transport does when a connection fails: tell the core (through the driver's
            // loop, so between Readies), which stops streaming to that peer and probes instead.
            var incarnation = sender.Incarnation;
            Schedule(1, new SimEvent(SimEventKind.Action, Label: $"node {sender.Id}: {m.To} unreachable", Action: () =>
            {
                if (sender.Incarnation != incarnation || sender.Core is not { } core || sender.PausedUntil > _now) return;
                core.ReportUnreachable(m.To);
                AfterInput(sender);
            }));
        }
        if (IsBlocked(m.From, m.To) || _rng.NextDouble() < _dropRate)
        {
            _lost++;
            Trace("dropped", m);
            return;
        }
        var copies = _rng.NextDouble() < _duplicateRate ? 2 : 1;
        for (var i = 0; i < copies; i++)
        {
            long delay = 1 + _rng.Next(_s.MaxMessageDelay);
            // A message held back this long arrives after elections, restarts and compactions: stale.
            if (_rng.NextDouble() < _longDelayRate) delay += _rng.Next(5, 60) * _s.TickInterval;
            Schedule(delay, new SimEvent(SimEventKind.Deliver, Message: m));
        }
    }

    private void Block(IEnumerable<(int From, int To)> links)
    {
        foreach (var link in links) _blocked[link] = _blocked.GetValueOrDefault(link) + 1;
    }

    private void Unblock(IEnumerable<(int From, int To)> links)
    {
        foreach (var link in links)
        {
            if (!_blocked.TryGetValue(link, out var n)) continue;
            if (n <= 1) _blocked.Remove(link);
            else _blocked[link] = n - 1;
        }
    }

    // ------------------------------------------------------------------ faults

    private long NextFaultDelay() => 1 + (long)(-Math.Log(1 - _rng.NextDouble()) * _s.MeanFaultInterval);

    private void InjectFault()
    {
        if (_healed) return;
        var kinds = new List<FaultKinds>();
        foreach (var kind in new[]
                 {
                     FaultKinds.Crashes, FaultKinds.SymmetricPartitions, FaultKinds.OneWayPartitions, FaultKinds.LeaderIsolation,
                     FaultKinds.FlappingPartitions, FaultKinds.LeadershipTransfers, FaultKinds.MembershipChanges, FaultKinds.Pauses,
                 })
            if (Has(kind)) kinds.Add(kind);
        switch (kinds[_rng.Next(kinds.Count)])
        {
            case FaultKinds.Crashes: CrashSomeNode(); break;
            case FaultKinds.SymmetricPartitions: Partition(RandomSplit(), symmetric: true, "partition"); break;
            case FaultKinds.OneWayPartitions: Partition(RandomOneWayLinks(), symmetric: false, "one-way partition"); break;
            case FaultKinds.LeaderIsolation: IsolateLeader(); break;
            case FaultKinds.FlappingPartitions: StartFlapping(); break;
            case FaultKinds.LeadershipTransfers: TransferLeadership(); break;
            case FaultKinds.MembershipChanges: AdvanceMembershipChange(); break;
            case FaultKinds.Pauses: PauseSomeNode(); break;
        }
        Schedule(NextFaultDelay(), new SimEvent(SimEventKind.Action, Action: InjectFault, Label: "fault"));
    }

    private List<SimNode> LiveNodes() => _nodes.Where(n => n.IsUp).ToList();

    private void CrashSomeNode()
    {
        var live = LiveNodes();
        if (live.Count == 0) return;
        if (_rng.Next(10) == 0)
        {
            // The whole cluster loses power: everyone restarts from nothing but its disk.
            foreach (var each in live) Crash(each, "whole-cluster crash");
            return;
        }
        var node = live[_rng.Next(live.Count)];
        Crash(node, "crash fault");
    }

    private void PauseSomeNode()
    {
        var live = LiveNodes();
        if (live.Count == 0) return;
        var node = live[_rng.Next(live.Count)];
        // Up to several election timeouts: long enough for the others to move on without it.
        node.PausedUntil = Math.Max(node.PausedUntil, _now + _rng.Next(1, 5 * _s.ElectionTimeout));
        Trace($"node {node.Id} paused until {node.PausedUntil}", node.Core);
    }

    private void Crash(SimNode node, string why)
    {
        _crashes++;
        Trace($"node {node.Id} CRASH ({why})", node.Core);
        node.Core = null;
        node.PausedUntil = 0;
        node.Disk.Crash();
        node.Incarnation++;
        node.ReadyScheduled = false;
        node.ReadStates.Clear();
        foreach (var client in node.PendingWrites.Values.SelectMany(w => w).ToList()) Abandon(client, $"node {node.Id} crashed");
        foreach (var client in node.PendingReads.Values.ToList()) Abandon(client, $"node {node.Id} crashed");
        node.PendingWrites.Clear();
        node.PendingReads.Clear();
        var incarnation = node.Incarnation;
        Schedule(_rng.Next(1, _s.MaxDowntime + 1), new SimEvent(SimEventKind.Action, Label: $"restart node {node.Id}", Action: () =>
        {
            if (!node.IsUp && node.Incarnation == incarnation) Restart(node);
        }));
    }

    private void Restart(SimNode node)
    {
        Trace($"node {node.Id} restart", $"disk: {node.Disk.HardState}, snapshot {node.Disk.Snapshot?.Metadata.Index ?? 0}, {node.Disk.Entries.Count} entries");
        Boot(node);
    }

    private List<(int From, int To)> RandomSplit()
    {
        var ids = _nodes.Select(n => n.Id).OrderBy(_ => _rng.Next()).ToList();
        var cut = _rng.Next(1, ids.Count);
        var a = ids.Take(cut).ToList();
        var b = ids.Skip(cut).ToList();
        return [.. from x in a from y in b select (x, y)];
    }

    private List<(int From, int To)> RandomOneWayLinks()
    {
        var links = new List<(int, int)>();
        var count = _rng.Next(1, _nodes.Count + 1);
        for (var i = 0; i < count; i++)
        {
            var from = _rng.Next(_nodes.Count);
            var to = _rng.Next(_nodes.Count);
            if (from != to) links.Add((from, to));
        }
        return links;
    }

    private void Partition(List<(int From, int To)> links, bool symmetric, string what)
    {
        if (symmetric) links = [.. links, .. links.Select(l => (l.To, l.From))];
        _partitions++;
        Block(links);
        Trace(what, string.Join(" ", links.Select(l => $"{l.From}->{l.To}")));
        Schedule(_rng.Next(1, 6) * _s.ElectionTimeout, new SimEvent(SimEventKind.Action, Label: $"end {what}", Action: () =>
        {
            if (!_healed) Unblock(links);
        }));
    }

    private SimNode? CurrentLeader() =>
        _nodes.Where(n => n.Core is { Role: Role.Leader } && n.PausedUntil <= _now).OrderByDescending(n => n.Core!.Term).FirstOrDefault();


    private void IsolateLeader()
    {
        var leader = CurrentLeader();
        if (leader is null) return;
        var links = _nodes.Where(n => n.Id != leader.Id).Select(n => (leader.Id, n.Id)).ToList();
        Partition(links, symmetric: true, $"isolate leader {leader.Id}");
    }

    private void StartFlapping()
    {
        var links = RandomSplit();
        links = [.. links, .. links.Select(l => (l.To, l.From))];
        _partitions++;
        var until = _now + _rng.Next(3, 10) * _s.ElectionTimeout;
        var period = _rng.Next(1, 4) * _s.TickInterval * _s.HeartbeatTicks;
        var on = false;
        Trace("flapping partition", string.Join(" ", links.Select(l => $"{l.From}->{l.To}")));
        void Flip()
        {
            if (_healed) return;
            if (on) Unblock(links);
            else if (_now < until) Block(links);
            on = !on && _now < until;
            if (on || _now < until) Schedule(period, new SimEvent(SimEventKind.Action, Action: Flip, Label: "flap"));
        }
        Flip();
    }

    private void TransferLeadership()
    {
        var leader = CurrentLeader();
        if (leader?.Core is not { } core) return;
        var voters = core.Config.Voters.Where(v => v != leader.Id).ToList();
        if (voters.Count == 0) return;
        var target = voters[_rng.Next(voters.Count)];
        if (_rng.Next(4) == 0 && _nodes[target].Core is { } targetCore && _nodes[target].PausedUntil <= _now)
        {
            // An operator forcing an election on a follower (Campaign), instead of a polite transfer.
            targetCore.Campaign();
            Trace($"node {target} campaigns");
            AfterInput(_nodes[target]);
            return;
        }
        var ok = core.TransferLeadership(target);
        _transfers++;
        Trace($"transfer leadership {leader.Id} -> {target}", ok ? "started" : "refused");
        AfterInput(leader);
    }

    private void AdvanceMembershipChange()
    {
        var leader = CurrentLeader();
        if (leader?.Core is not { } core || _membershipStage >= 9) return;
        ConfigChange change;
        switch (_membershipStage % 3)
        {
            case 0:
                var voters = core.Config.Voters;
                if (voters.Length <= 1) return;
                change = new ConfigChange(ConfigChangeType.Remove, voters[_rng.Next(voters.Length)]);
                break;
            case 1:
                _newMember = _nodes.Count;
                change = new ConfigChange(ConfigChangeType.AddLearner, _newMember);
                break;
            default:
                // Promote only once the learner has caught up (thesis §4.2.1), or the cluster may stall.
                if (!core.Config.IsLearner(_newMember) || !core.Progress.TryGetValue(_newMember, out var pr) || pr.Match < core.CommitIndex) return;
                change = new ConfigChange(ConfigChangeType.PromoteToVoter, _newMember);
                break;
        }
        var result = core.ProposeConfigChange(change, out var index);
        Trace($"propose {change} at leader {leader.Id}", result == ProposeResult.Accepted ? $"index {index}" : result);
        if (result != ProposeResult.Accepted) return;
        _membershipChanges++;
        if (change.Type == ConfigChangeType.AddLearner)
        {
            // A brand-new server with an empty disk (never a re-used id: a node that was removed may
            // still hold votes that a fresh disk would forget).
            AddNode(new SimNode(_newMember, _sabotage));
        }
        _membershipStage++;
        AfterInput(leader);
    }

    private void Heal()
    {
        _healed = true;
        _healTime = _now;
        _livenessDeadline = _now + 40 * _s.ElectionTimeout + 60 * _s.TickInterval;
        _blocked.Clear();
        foreach (var node in _nodes) node.PausedUntil = Math.Min(node.PausedUntil, _now);
        _dropRate = 0;
        _duplicateRate = 0;
        _longDelayRate = 0;
        foreach (var node in _nodes.Where(n => !n.IsUp)) Restart(node);
    }

    // ------------------------------------------------------------------ clients

    private void WakeClient(SimClient client, long delay)
    {
        client.Token++;
        Schedule(delay, new SimEvent(SimEventKind.ClientWake, Client: client.Id, Token: client.Token));
    }

    private long OperationTimeout => 6 * _s.ElectionTimeout;

    private void ClientWake(SimClient client)
    {
        if (client.Op is null)
        {
            if (_clientsStopped) return;
            StartOperation(client);
        }
        var op = client.Op!;
        if (op.Node >= 0)
        {
            // The deadline of an accepted request passed without an answer.
            Abandon(client, "no answer before the deadline");
            return;
        }
        if (_now >= op.Deadline)
        {
            Abandon(client, "no leader found before the deadline");
            return;
        }
        var node = _nodes[client.LeaderGuess];
        if (node.Core is not { } core || node.PausedUntil > _now)
        {
            client.LeaderGuess = _rng.Next(_nodes.Count);
            WakeClient(client, _rng.Next(5, 20));
            return;
        }
        if (op.IsWrite)
        {
            var result = core.Propose(op.Data, out var index);
            if (result == ProposeResult.Accepted)
            {
                op.Node = node.Id;
                op.Index = index;
                op.Term = core.Term;
                if (!node.PendingWrites.TryGetValue(index, out var list)) node.PendingWrites[index] = list = [];
                list.Add(client);
                Trace($"client {client.Id} write {Ids.Format(op.Command.Id)} '{op.Key}' accepted by {node.Id}", $"index {index} term {op.Term}");
                WakeClient(client, op.Deadline - _now);
                AfterInput(node);
                return;
            }
            Redirect(client, core);
            return;
        }
        if ((_sabotage & Sabotage.ReadsWithoutReadIndex) != 0)
        {
            _reads.Add(new ReadOp(op.Key, op.InvokeStep, _step, node.Machine.Get(op.Key)));
            Complete(client);
            return;
        }
        var context = _nextReadContext++;
        if (core.ReadIndex(context))
        {
            op.Node = node.Id;
            op.Context = context;
            node.PendingReads[context] = client;
            Trace($"client {client.Id} read '{op.Key}' accepted by {node.Id}", $"context {context}");
            WakeClient(client, op.Deadline - _now);
            AfterInput(node);
            return;
        }
        Redirect(client, core);
    }

    private void Redirect(SimClient client, Raft core)
    {
        // Follow the leader hint when there is one; otherwise try someone at random.
        client.LeaderGuess = core.LeaderId != NodeIds.None && core.LeaderId != core.Id && core.LeaderId < _nodes.Count
            ? core.LeaderId
            : _rng.Next(_nodes.Count);
        WakeClient(client, _rng.Next(2, 3 * _s.TickInterval));
    }

    private void StartOperation(SimClient client)
    {
        var key = "k" + _rng.Next(_s.KeyCount);
        var deadline = _now + OperationTimeout;
        if (_rng.NextDouble() < 0.6)
        {
            var command = new Command(client.Id, client.NextSeq++, key);
            client.Op = new ClientOp
            {
                IsWrite = true, Key = key, Command = command, Data = command.Encode(), InvokeStep = _step, Deadline = deadline, AfterHeal = _healed,
            };
            _writes[command.Id] = new WriteOp(command.Id, key, _step, null);
        }
        else
        {
            client.Op = new ClientOp { IsWrite = false, Key = key, InvokeStep = _step, Deadline = deadline, AfterHeal = _healed };
        }
    }

    private void ResolveWrite(SimClient client, SimNode node, Entry e)
    {
        if (client.Op is not { IsWrite: true } op || op.Node != node.Id || op.Index != e.Index) return;
        if (e.Term == op.Term && e.Type == EntryType.Command && e.Data.AsSpan().SequenceEqual(op.Data))
        {
            _writes[op.Command.Id] = _writes[op.Command.Id] with { Response = _step };
            _writesAcknowledged++;
            Trace($"client {client.Id} write {Ids.Format(op.Command.Id)} acknowledged by {node.Id}", $"index {e.Index}");
            Complete(client);
        }
        else
        {
            // Another entry committed at that index: the proposal is lost for good. Not acknowledged.
            Trace($"client {client.Id} write {Ids.Format(op.Command.Id)} lost", $"index {e.Index} holds term {e.Term}");
            client.Op = null;
            WakeClient(client, _rng.Next(1, 2 * _s.TickInterval));
        }
    }

    private void Complete(SimClient client)
    {
        if (client.Op!.AfterHeal) client.CompletedAfterHeal++;
        client.Op = null;
        WakeClient(client, _rng.Next(1, 3 * _s.TickInterval));
    }

    private void Abandon(SimClient client, string why)
    {
        if (client.Op is not { } op) return;
        if (op.Node >= 0 && op.Node < _nodes.Count)
        {
            var node = _nodes[op.Node];
            if (op.IsWrite && node.PendingWrites.TryGetValue(op.Index, out var list)) list.Remove(client);
            if (!op.IsWrite) node.PendingReads.Remove(op.Context);
        }
        Trace($"client {client.Id} gives up on {(op.IsWrite ? "write " + Ids.Format(op.Command.Id) : "read")}", why);
        client.Op = null;
        WakeClient(client, _rng.Next(1, 3 * _s.TickInterval));
    }

    // ------------------------------------------------------------------ liveness and the end

    private void CheckProgress()
    {
        // Liveness: once every client has completed an operation it began after the heal, clients stop;
        // then every pending command must commit and every member must apply it.
        var why = "clients have not all completed an operation since the heal";
        if (!_clientsStopped)
        {
            if (_clients.All(c => c.CompletedAfterHeal > 0))
            {
                _clientsStopped = true;
                Trace("clients stop");
            }
        }
        else if (_clients.Any(c => c.Op is not null))
        {
            why = "client operations still pending";
        }
        else if (Converged(out why))
        {
            _recoveryTime = _now - _healTime;
            _done = true;
            return;
        }
        if (_now > _livenessDeadline)
        {
            var clients = string.Join(", ", _clients.Select(c => $"client {c.Id}: {c.CompletedAfterHeal} done after heal, op {(c.Op is null ? "none" : c.Op.IsWrite ? "write" : "read")}"));
            throw new InvariantViolationException("Liveness",
                $"{_livenessDeadline - _healTime} time units after the faults healed the cluster has not converged ({why}); {clients}");
        }
    }

    /// <summary>One leader that everyone follows, all of its log committed, and applied by every member.</summary>
    private bool Converged(out string why)
    {
        if (NewestLeader() is not { } leader)
        {
            why = "no leader";
            return false;
        }
        if (leader.CommitIndex != leader.LastIndex || leader.TermAt(leader.CommitIndex) != leader.Term)
        {
            why = $"leader {leader.Id} has committed {leader.CommitIndex} of {leader.LastIndex}";
            return false;
        }
        foreach (var id in leader.Config.Members)
        {
            if (_nodes[id].Core is not { } core)
            {
                why = $"member {id} is down";
                return false;
            }
            // The state machine, not the core, says what is applied: the core counts an installed
            // snapshot as applied before the driver has restored it.
            if (core.Term != leader.Term || core.LeaderId != leader.Id || _nodes[id].Machine.AppliedIndex != leader.CommitIndex)
            {
                why = $"member {core}";
                return false;
            }
        }
        why = "converged";
        return true;
    }

    /// <summary>The leader of the highest term (a removed node may still believe it leads an older one).</summary>
    private Raft? NewestLeader() =>
        _nodes.Select(n => n.Core).Where(c => c is { Role: Role.Leader }).OrderByDescending(c => c!.Term).FirstOrDefault();

    private void CheckFinalState()
    {
        var leader = NewestLeader() ?? throw new InvalidOperationException("no leader at the end");
        var members = leader.Config.Members.Select(id => _nodes[id]).ToList();
        foreach (var node in members)
        {
            if (node.Machine.AppliedIndex != leader.CommitIndex || _stateMachineSafety.DigestAt(node.Machine.AppliedIndex) != node.Machine.Digest)
                throw new InvariantViolationException("State Machine Safety", $"node {node.Id} ended with a different state (applied {node.Machine.AppliedIndex})");
        }
        // Every acknowledged write is in the committed log (it was acknowledged only once applied at its index).
        foreach (var w in _writes.Values.Where(w => w.Response is not null))
        {
            if (!_indexOfWrite.ContainsKey(w.Id))
                throw new InvariantViolationException("Durability", $"acknowledged write {Ids.Format(w.Id)} is not in the committed log");
        }
        // And each node's final value of every key is the last committed write to it.
        var committed = _committedLog.OrderBy(kv => kv.Key).Select(kv => kv.Value).Where(e => e.Type == EntryType.Command)
            .Select(e => _writes[Command.Decode(e.Data).Id]).ToList();
        foreach (var key in Enumerable.Range(0, _s.KeyCount).Select(k => "k" + k))
        {
            var last = committed.LastOrDefault(w => w.Key == key)?.Id ?? 0;
            foreach (var node in members)
            {
                if (node.Machine.Get(key) != last)
                    throw new InvariantViolationException("State Machine Safety",
                        $"node {node.Id} ends with '{key}' = {Ids.Format(node.Machine.Get(key))}, the log's last write is {Ids.Format(last)}");
            }
        }
        LinearizabilityChecker.Check(committed, _reads);
    }
}
