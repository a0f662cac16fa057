using RaftKv.Core.Log;
using RaftKv.Core.Tracking;

namespace RaftKv.Core;

/// <summary>
/// One Raft peer as a deterministic state machine (in the spirit of etcd's raft library).
/// Inputs: <see cref="Tick"/>, <see cref="Step"/>, <see cref="Propose"/>, <see cref="ReadIndex"/>,
/// <see cref="TransferLeadership"/>, <see cref="ProposeConfigChange"/>. Output: <see cref="GetReady"/>,
/// acknowledged with <see cref="Advance"/>. No I/O, clocks, threads or locks: time is ticks, and
/// randomness comes from the generator handed in, so a seed replays a run exactly.
///
/// The rules live in partial files named after them: Raft.Election.cs (§5.2, PreVote, CheckQuorum),
/// Raft.Replication.cs (§5.3, §5.4, §7), Raft.ReadIndex.cs (thesis §6.4),
/// Raft.LeadershipTransfer.cs (thesis §3.10), Raft.Membership.cs (thesis §4).
/// </summary>
public sealed partial class Raft
{
    private readonly RaftOptions _options;
    private readonly Random _random;
    private readonly RaftLog _log;
    private readonly Dictionary<int, Progress> _progress = [];
    private readonly List<Message> _outbox = [];
    private readonly List<ReadState> _readStates = [];

    private HardState _lastHardState;
    private SoftState _lastSoftState;

    /// <summary>The term and vote known durable: what a restart would come back with.</summary>
    private (long Term, int Vote) _durableTermVote;

    private int _electionElapsed;
    private int _heartbeatElapsed;
    private int _randomizedElectionTimeout;

    public Raft(RaftOptions options, PersistentState state, Random random)
    {
        options.Validate();
        _options = options;
        _random = random;
        _log = new RaftLog(state);
        Id = options.Id;
        Term = state.HardState.Term;
        Vote = state.HardState.Vote;
        Config = state.Snapshot?.Metadata.Config ?? options.InitialConfig;
        // Membership changes take effect when applied; replay those already committed so a restarted
        // node knows its cluster before the driver has applied anything.
        foreach (var e in _log.Slice(_log.FirstIndex, _log.Committed))
            if (e.Type == EntryType.ConfigChange) Config = ConfigChange.Decode(e.Data).ApplyTo(Config);
        _lastHardState = state.HardState;
        _durableTermVote = (state.HardState.Term, state.HardState.Vote);
        BecomeFollower(Term, NodeIds.None);
        _lastSoftState = SoftState;
    }

    public int Id { get; }
    public long Term { get; private set; }
    public int Vote { get; private set; }
    public Role Role { get; private set; }
    public int LeaderId { get; private set; }
    public ClusterConfig Config { get; private set; }

    public long CommitIndex => _log.Committed;
    public long AppliedIndex => _log.Applied;
    public long FirstIndex => _log.FirstIndex;
    public long LastIndex => _log.LastIndex;
    public long LastTerm => _log.LastTerm;
    public long StabledIndex => _log.Stabled;
    public Snapshot? LatestSnapshot => _log.Snapshot;

    public HardState HardState => new(Term, Vote, _log.Committed);
    public SoftState SoftState => new(Role, LeaderId, Term);

    /// <summary>The term of the entry at <paramref name="index"/>; -1 when compacted or beyond the end.</summary>
    public long TermAt(long index) => _log.Term(index);

    /// <summary>Entries in [from, to], clamped to what the log holds.</summary>
    public IReadOnlyList<Entry> Entries(long from, long to) =>
        _log.Slice(Math.Max(from, _log.FirstIndex), Math.Min(to, _log.LastIndex));

    /// <summary>The leader's view of each member's replication; empty on followers.</summary>
    public IReadOnlyDictionary<int, Progress> Progress => _progress;

    private bool Promotable => Config.IsVoter(Id);
    private bool IsSingleVoter => Config.Voters.Length == 1 && Config.IsVoter(Id);

    // ---------------------------------------------------------------- time

    /// <summary>One logical clock tick.</summary>
    public void Tick()
    {
        if (Role == Role.Leader) TickLeader();
        else TickElection();
    }

    // ---------------------------------------------------------------- messages

    /// <summary>Feeds one message from a peer into the state machine.</summary>
    public void Step(Message m)
    {
        if (m.To != Id) return;
        if (!Config.Contains(m.From) &&
            m.Type is MessageType.AppendResponse or MessageType.HeartbeatResponse or MessageType.VoteResponse or MessageType.PreVoteResponse)
        {
            // Replies from outside the configuration (a removed node) tell us nothing. Requests are another
            // matter: our configuration may be stale. Thesis §4.1: a server accepts AppendEntries from a
            // leader outside its latest configuration, and grants its vote to such a candidate, because a
            // member added after our last applied change may need our vote to keep the cluster available.
            // Removed nodes are kept from disrupting us below.
            if (m.Type == MessageType.AppendResponse && m.Term == Term) HearFromLeaver(m);
            return;
        }

        if (m.Term > Term)
        {
            if (m.Type == MessageType.Vote && !Config.Contains(m.From) && !_log.IsUpToDate(m.Index, m.LogTerm))
            {
                // A candidate outside our configuration whose log is behind ours could not get our vote
                // anyway. It is most likely a removed node that never learned of its removal (its log stops
                // there), campaigning in ever higher terms: adopting its term would depose our leader again
                // and again when PreVote and the leader lease are off. A new member that our stale
                // configuration does not know yet has the newer log, and is answered normally.
                return;
            }
            if (m.Type is MessageType.Vote or MessageType.PreVote && InLeaderLease() && !m.LeaderTransfer)
            {
                // CheckQuorum's other half (thesis §6.2 / §4.2.3): we heard from a live leader within the
                // minimum election timeout, so a vote request is from a node that cannot see it. Ignore it
                // without adopting its term, so it cannot depose a healthy leader.
                return;
            }
            switch (m.Type)
            {
                case MessageType.PreVote:
                    // PreVote RPCs are sent for the next term before the sender has incremented its term:
                    // answering them changes nothing about ours.
                    break;
                case MessageType.PreVoteResponse when !m.Reject:
                    // A granted pre-vote carries the future term; our term moves when we actually campaign.
                    break;
                case MessageType.Append or MessageType.Heartbeat or MessageType.Snapshot:
                    BecomeFollower(m.Term, m.From);
                    break;
                case MessageType.Vote:
                {
                    // Raft Figure 2: the election timer restarts when we hear from the current leader or
                    // grant a vote (HandleVoteRequest), not merely because a candidate's term is higher.
                    // Otherwise candidates that can never win (stale logs, faster clocks) keep every
                    // up-to-date node from ever timing out: a livelock when PreVote is off.
                    var elapsed = _electionElapsed;
                    BecomeFollower(m.Term, NodeIds.None);
                    _electionElapsed = elapsed;
                    break;
                }
                default:
                    BecomeFollower(m.Term, NodeIds.None);
                    break;
            }
        }
        else if (m.Term < Term)
        {
            if (m.Type is MessageType.Append or MessageType.Heartbeat)
            {
                // A deposed leader that cannot hear newer terms (PreVote and CheckQuorum stop it from
                // learning them by election) is told our term, so it steps down.
                Send(new Message { Type = MessageType.AppendResponse, To = m.From, Term = Term });
            }
            else if (m.Type is MessageType.PreVote or MessageType.Vote)
            {
                // Figure 2: "Reply false if term < currentTerm", with our term so the candidate catches up.
                // Staying silent can keep a cluster leaderless: a candidate whose term lags behind that of a
                // voter it needs (a voter that keeps campaigning under a stale configuration, say) would
                // never learn the newer term and ask again in a term that voter can still vote in.
                var type = m.Type == MessageType.Vote ? MessageType.VoteResponse : MessageType.PreVoteResponse;
                Send(new Message { Type = type, To = m.From, Term = Term, Reject = true });
            }
            return;
        }

        switch (m.Type)
        {
            case MessageType.Vote or MessageType.PreVote:
                HandleVoteRequest(m);
                return;
        }

        switch (Role)
        {
            case Role.Leader: StepLeader(m); break;
            case Role.Candidate or Role.PreCandidate: StepCandidate(m); break;
            default: StepFollower(m); break;
        }
    }

    private void Send(Message m)
    {
        // PreVote requests and granted pre-votes carry the future term (set by the caller); other
        // messages carry ours unless the caller said otherwise.
        _outbox.Add(m with { From = Id, Term = m.Term != 0 ? m.Term : Term });
    }

    // ---------------------------------------------------------------- roles

    private void Reset(long term)
    {
        if (Term != term)
        {
            Term = term;
            Vote = NodeIds.None;
        }
        LeaderId = NodeIds.None;
        _electionElapsed = 0;
        _heartbeatElapsed = 0;
        ResetRandomizedElectionTimeout();
        AbortLeadershipTransfer();
        _leavingOffice = false;
        _votes.Clear();
        _progress.Clear();
        _leavers.Clear();
        _readIndex.Clear();
        _pendingReads.Clear();
        _uncommittedBytes = 0;
        _broadcastPending = false;
        _commitBroadcastPending = false;
    }

    private void BecomeFollower(long term, int leader)
    {
        Reset(term);
        Role = Role.Follower;
        LeaderId = leader;
    }

    private void ResetRandomizedElectionTimeout() =>
        _randomizedElectionTimeout = _options.ElectionTicks + _random.Next(_options.ElectionTicks);

    // ---------------------------------------------------------------- Ready / Advance

    /// <summary>True when <see cref="GetReady"/> has something for the driver.</summary>
    public bool HasReady
    {
        get
        {
            FlushBroadcast();
            return _outbox.Count > 0 || _log.HasUnstable || _log.PendingSnapshot is not null || _log.HasNextCommitted ||
                   _readStates.Count > 0 || HardState != _lastHardState || SoftState != _lastSoftState;
        }
    }

    /// <summary>
    /// Collects what must be persisted, sent and applied. What it returns is handed out once: a later call before
    /// <see cref="Persisted"/> returns only what is new (asynchronous storage writes). Call <see cref="Advance"/>
    /// once it is handled, or <see cref="AppliedTo"/> and, when durable, <see cref="Persisted"/>.
    /// </summary>
    public Ready GetReady()
    {
        FlushBroadcast();
        var committed = _log.TakeCommittedEntries();
        foreach (var e in committed)
            if (e.Type == EntryType.ConfigChange) ApplyConfigChange(ConfigChange.Decode(e.Data));
        var hs = HardState;
        var ss = SoftState;
        var (now, afterPersist) = SplitOutbox();
        var snapshot = _log.TakePendingSnapshot();
        var entries = _log.TakeUnstableEntries();
        var ready = new Ready
        {
            HardState = hs != _lastHardState ? hs : null,
            SoftState = ss != _lastSoftState ? ss : null,
            Snapshot = snapshot,
            Entries = entries,
            Messages = now,
            MessagesAfterPersist = afterPersist,
            CommittedEntries = committed,
            ReadStates = _readStates.ToArray(),
            MustSync = snapshot is not null || entries.Count > 0 || hs.Term != _lastHardState.Term || hs.Vote != _lastHardState.Vote,
        };
        _outbox.Clear();
        _readStates.Clear();
        _lastHardState = hs;
        _lastSoftState = ss;
        return ready;
    }

    /// <summary>
    /// Which messages may leave before the disk write (DESIGN.md "Replica and host"; etcd's msgsAfterAppend). The
    /// rule lives here, in the core, because it is a Raft rule: while our current term or vote is not durable,
    /// nothing leaves (a restarted node could otherwise vote twice in a term, or lead a term it then forgets — with
    /// a single voter, a new leader's appends would reach learners in a term no disk knows). Otherwise replies
    /// that promise durability (append acknowledgements, granted or refused votes) wait; a leader's own traffic
    /// goes at once, because followers' writes may overlap with ours (thesis §10.2.1): the leader counts its own
    /// copy only once <see cref="Persisted"/> says it is durable. Pre-vote replies and heartbeat replies promise
    /// nothing about the disk (a pre-vote grant commits the voter to nothing) and go at once too.
    /// </summary>
    private (Message[] Now, Message[] AfterPersist) SplitOutbox()
    {
        if (_outbox.Count == 0) return ([], []);
        if ((Term, Vote) != _durableTermVote) return ([], _outbox.ToArray());
        var now = new List<Message>(_outbox.Count);
        var after = new List<Message>();
        foreach (var m in _outbox)
        {
            if (m.Type is MessageType.AppendResponse or MessageType.VoteResponse) after.Add(m);
            else now.Add(m);
        }
        return (now.ToArray(), after.ToArray());
    }

    /// <summary>Tells the core that <paramref name="ready"/> was persisted, sent and applied (a synchronous driver).</summary>
    public void Advance(Ready ready)
    {
        if (ready.CommittedEntries.Count > 0) AppliedTo(ready.CommittedEntries[^1].Index);
        Persisted(ready);
    }

    /// <summary>The state machine applied the committed entries handed out through <paramref name="index"/>.</summary>
    public void AppliedTo(long index) => _log.AppliedTo(index);

    /// <summary>
    /// <paramref name="ready"/>'s snapshot, entries and hard state are durable; so are those of every earlier
    /// Ready (the storage writes in order). Call once per Ready, in order, including Readies that had nothing to
    /// write (they become durable with the write before them).
    /// </summary>
    public void Persisted(Ready ready)
    {
        if (ready.Entries.Count > 0)
        {
            var last = ready.Entries[^1];
            _log.StableTo(last.Index, last.Term);
        }
        if (ready.HardState is { } hs) _durableTermVote = (hs.Term, hs.Vote);
        if (Role == Role.Leader)
        {
            // The leader counts its own copy only once it is durable: followers may already have
            // acknowledged (the leader's write ran in parallel with replication, thesis §10.2.1).
            if (_progress.TryGetValue(Id, out var self) && self.MaybeUpdate(_log.Stabled) && MaybeCommit())
                _broadcastPending = true;
            ReleasePendingReads();
        }
    }

    /// <summary>
    /// The state machine has captured everything up to <see cref="AppliedIndex"/> in <paramref name="data"/>:
    /// keep it as the snapshot and drop the log entries it covers (log compaction, Raft §7).
    /// </summary>
    public Snapshot Compact(ISnapshotData data)
    {
        var snapshot = new Snapshot(AppliedSnapshotMetadata(), data);
        _log.Compact(snapshot);
        return snapshot;
    }

    /// <summary>What a snapshot of the state machine as applied right now says of itself: index, term, configuration.</summary>
    public SnapshotMetadata AppliedSnapshotMetadata()
    {
        var index = _log.Applied;
        return new SnapshotMetadata(index, _log.Term(index), Config);
    }

    /// <summary>
    /// A snapshot captured earlier (at <see cref="AppliedSnapshotMetadata"/>) is now durable: keep it as the snapshot
    /// sent to followers that fell behind, and drop the log entries it covers (Raft §7). Ignored when the log already
    /// starts after it (a newer snapshot from the leader was installed meanwhile). The same snapshot (index and term)
    /// again replaces only its data handle: the driver stored a snapshot from the leader and now points at its copy.
    /// </summary>
    public void Compact(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _log.Compact(snapshot);
    }

    /// <summary>The transport could not reach <paramref name="peer"/>: stop streaming to it and probe instead.</summary>
    public void ReportUnreachable(int peer)
    {
        if (Role == Role.Leader && _progress.TryGetValue(peer, out var pr) && pr.State == ProgressState.Replicate)
            pr.BecomeProbe();
    }

    public override string ToString() =>
        $"node {Id} {Role} term {Term} leader {LeaderId} last {LastIndex}/{LastTerm} commit {CommitIndex} applied {AppliedIndex}";
}
