using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RaftKv.Core;
using RaftKv.Replica.Io;
using RaftKv.StateMachine;

namespace RaftKv.Replica;

/// <summary>
/// One member of the cluster as a plain, synchronous, deterministic object (DESIGN.md "Replica and host"; etcd's
/// RawNode, TigerBeetle's replica). It owns the Raft core and the KV state machine and decides everything: what to
/// persist, what to send and when, what to apply, which client to answer with what, when to compact, how to hand
/// over leadership on shutdown. It does no I/O and keeps no clock: the host feeds it events — <see cref="Tick"/>,
/// <see cref="Step"/>, <see cref="Submit"/>, <see cref="OnPersisted"/>, <see cref="OnCompacted"/>,
/// <see cref="OnDiskFull"/>, <see cref="BeginShutdown"/> — then calls <see cref="Flush"/>, and carries out what the
/// replica asks through <see cref="IStorageQueue"/>, <see cref="IPeerOutbox"/> and <see cref="IClientCall"/>.
/// Not thread-safe: one caller at a time (the host's loop, or the simulator).
///
/// The process (src/RaftKv.Node) and the simulator (tests/RaftKv.Core.Tests/Simulation) run this very type.
/// Its parts live in partial files named after what they decide: Replica.Ready.cs (persist, send, apply, compact),
/// Replica.Clients.cs (the switch over client operations), Replica.Views.cs (status, show-log, published view).
/// </summary>
public sealed partial class Replica
{
    private readonly ReplicaOptions _options;
    private readonly Raft _raft;
    private readonly KvStateMachine _kv;
    private readonly IStorageQueue _storage;
    private readonly IPeerOutbox _peers;
    private readonly ILogger _log;
    private readonly IApplyObserver? _applied;

    /// <summary>Ticks seen since start: the replica's only notion of time.</summary>
    private long _ticks;
    private bool _diskFull;
    private bool _shuttingDown;
    private IShutdownHandoff? _shutdown;
    private bool _stopped;

    /// <param name="options">What the replica decides with.</param>
    /// <param name="state">What this node's storage holds (recovered on start).</param>
    /// <param name="random">The core's source of randomness (election timeouts); seeded in the simulator.</param>
    /// <param name="storage">Where persistence requests go; completions come back as events.</param>
    /// <param name="peers">Where messages to other members go.</param>
    /// <param name="log">Role changes, elections, snapshots, disk full: one line each.</param>
    /// <param name="applied">Told of every entry applied and every snapshot restored (the simulator's checkers), or null.</param>
    public Replica(ReplicaOptions options, PersistentState state, Random random, IStorageQueue storage, IPeerOutbox peers,
        ILogger? log = null, IApplyObserver? applied = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        options.Validate();
        _options = options;
        _storage = storage;
        _peers = peers;
        _log = log ?? NullLogger.Instance;
        _applied = applied;
        _kv = new KvStateMachine(options.MaxSessions);
        _leases = new LeaseClock(options.TicksPerSecond);
        if (state.Snapshot is { } snapshot)
        {
            RestoreStateMachine(snapshot);
            _applied?.Restored(snapshot.Metadata);
        }
        _raft = new Raft(options.Raft, state, random);
        _lastSnapshotIndex = _raft.FirstIndex - 1;
        View = new ReplicaView(_raft.Role, _raft.Term, _raft.LeaderId, false, false);
        InitAddressBook();
    }

    public int Id => _raft.Id;

    /// <summary>The Raft core, for reading only (the simulator's invariant checkers, tests). Never feed it directly.</summary>
    public Raft Core => _raft;

    /// <summary>The state machine, for reading only.</summary>
    public KvStateMachine StateMachine => _kv;

    /// <summary>The published picture of role, term, leader, disk and shutdown; replaced (never mutated) by <see cref="Flush"/>.</summary>
    public ReplicaView View { get; private set; }

    public long Ticks => _ticks;

    // ------------------------------------------------------------------ events

    /// <summary>One tick of the logical clock. Ticks that piled up during a stall must be coalesced by the host.</summary>
    public void Tick()
    {
        _ticks++;
        // A node on its way out that has handed over leadership must not campaign again.
        if (!_shuttingDown || _raft.Role == Role.Leader) _raft.Tick();
        ExpireLeaderWaits();
        if (_transfers.Count > 0) SettleTransfers();
        if (_raft.Role == Role.Leader && !_shuttingDown) RunLeaderDuties();
        if (_diskFull) HandOverWhileDiskFull();
        LeaseTick();
    }

    /// <summary>
    /// A leader whose disk is full cannot make anything durable, yet (its writes being off the loop) it would keep
    /// heartbeating and hold the whole cluster hostage. It hands leadership to its most up-to-date follower instead,
    /// and tries again each tick until one takes it (a single voter has no one to hand to, and waits for space).
    /// </summary>
    private void HandOverWhileDiskFull()
    {
        if (_raft.Role != Role.Leader || _raft.TransferTarget != NodeIds.None) return;
        var target = _raft.MostUpToDateFollower();
        if (target == NodeIds.None || !_raft.TransferLeadership(target)) return;
        _log.LogWarning("Disk full: handing leadership to node {Target}", target);
    }

    /// <summary>A message from a peer.</summary>
    public void Step(Message message)
    {
        TellIncoming(message);
        _raft.Step(message);
    }

    /// <summary>The transport could not reach <paramref name="peer"/>.</summary>
    public void ReportUnreachable(int peer) => _raft.ReportUnreachable(peer);

    /// <summary>The storage writer reports that the disk is full (refuse writes) or writable again.</summary>
    public void OnDiskFull(bool full)
    {
        if (full == _diskFull) return;
        _diskFull = full;
        if (full) _log.LogError("Disk full: refusing writes until space returns");
        else _log.LogWarning("Disk writable again; resuming writes");
    }

    /// <summary>Asks the leader to hand leadership to <paramref name="target"/> (thesis §3.10). False when it cannot start.</summary>
    public bool TransferLeadership(int target)
    {
        if (!_raft.TransferLeadership(target)) return false;
        NoteHandover(target);
        return true;
    }

    /// <summary>Starts an election now, as an operator forcing one would.</summary>
    public void Campaign() => _raft.Campaign();

    /// <summary>Proposes a membership change (one server at a time, learners first). On acceptance, <paramref name="index"/> is its entry.</summary>
    public ProposeResult ProposeConfigChange(ConfigChange change, out long index) => _raft.ProposeConfigChange(change, out index);

    /// <summary>
    /// Graceful stop (Ctrl+C, SIGTERM): a leader hands leadership to its most up-to-date follower; the handoff is
    /// told the successor once one is known, or <see cref="NodeIds.None"/> when there is none to hand to.
    /// </summary>
    public void BeginShutdown(IShutdownHandoff handoff)
    {
        _shuttingDown = true;
        if (_raft.Role != Role.Leader)
        {
            handoff.Complete(_raft.LeaderId);
            return;
        }
        var target = _raft.MostUpToDateFollower();
        if (target == NodeIds.None || !_raft.TransferLeadership(target))
        {
            handoff.Complete(NodeIds.None);
            return;
        }
        NoteHandover(target);
        _log.LogInformation("Shutting down; handing leadership to node {Target}", target);
        _shutdown = handoff;
    }

    /// <summary>
    /// Handles everything the events so far produced: starts the batched reads, then each Ready of the core
    /// (Replica.Ready.cs), then publishes the view. Call after one or more events.
    /// </summary>
    public void Flush()
    {
        if (_stopped) return;
        RetryLeaderWaits();
        StartReads();
        StartBackups();
        HandleReadies();
        FollowConfiguration();
        if (_transfers.Count > 0) SettleTransfers();
        MaybeCompact();
        PublishView();
    }

    /// <summary>The node is stopping: every waiting client is answered <c>unavailable</c> with <paramref name="reason"/>.</summary>
    public void Stop(string reason)
    {
        if (_stopped) return;
        _stopped = true;
        FailAllWaiters(reason);
        SettleTransfers();
        _watchers.CancelAll(reason, new RaftKv.Protocol.ClientResponse());
        _shutdown?.Complete(NodeIds.None);
        _shutdown = null;
    }

    public override string ToString() => $"replica {_raft} kv applied {_kv.AppliedIndex}";
}
