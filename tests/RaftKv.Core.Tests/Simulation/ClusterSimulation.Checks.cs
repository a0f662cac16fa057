using System.Text.Json;
using RaftKv.Core.Tests.Simulation.Invariants;
using RaftKv.StateMachine;

namespace RaftKv.Core.Tests.Simulation;

// The checks: the Raft invariants after every step, exactly-once and State Machine Safety at every applied entry,
// liveness once healed, and at the end identical states, durability of acknowledged writes and linearizability.
public sealed partial class ClusterSimulation
{
    private readonly ElectionSafetyChecker _electionSafety = new();
    private readonly LogMatchingChecker _logMatching = new();
    private readonly LeaderCompletenessChecker _leaderCompleteness = new();
    private readonly LeaderAppendOnlyChecker _leaderAppendOnly = new();
    private readonly StateMachineSafetyChecker _stateMachineSafety = new();
    private readonly ExactlyOnceChecker _exactlyOnce = new();
    private readonly HashSet<long> _acknowledged = [];

    private long _livenessDeadline;
    private long _recoveryTime;
    private int _commandsCommitted;

    // ------------------------------------------------------------------ what the replicas apply

    /// <summary>A replica applied <paramref name="entry"/> to its real state machine (called from inside the replica).</summary>
    internal void OnApplied(SimNode node, Entry entry)
    {
        if (entry.Index != node.AppliedIndex + 1)
            throw new InvariantViolationException("Apply", $"node {node.Id} applied index {entry.Index} after {node.AppliedIndex}");
        node.AppliedIndex = entry.Index;
        node.Digest = Mix(node.Digest, entry);
        _stateMachineSafety.ObserveApplied(node.Id, entry.Index, entry.Term, node.Digest);
        if (entry.Index > _exactlyOnce.LastIndex) Committed(node, entry);
        if (_exactlyOnce.ExpectedAfter(entry.Index) is { } expected)
        {
            var machine = node.Replica!.StateMachine;
            var actual = machine.TryGet(expected.Key, out var value) ? value.GetInt64() : 0;
            if (actual != expected.Value)
                throw new InvariantViolationException("Exactly once",
                    $"node {node.Id} holds '{expected.Key}' = {Ids.Format(actual)} after applying index {entry.Index}; " +
                    $"with every retry applied at most once it must be {Ids.Format(expected.Value)}");
        }
    }

    /// <summary>The first time any replica applies an index: the committed log grows by one entry.</summary>
    private void Committed(SimNode node, Entry entry)
    {
        var command = entry.Type == EntryType.Command ? KvCommandCodec.Decode(entry.Data) : null;
        if (command is not { Op: KvOp.Set })
        {
            // No-ops, membership changes, session registrations: nothing a key holds depends on them.
            _exactlyOnce.Committed(entry.Index);
            return;
        }
        var value = command.Value is { ValueKind: JsonValueKind.Number } v ? v.GetInt64() : 0;
        if (!_writes.ContainsKey(value))
            throw new InvariantViolationException("Integrity", $"committed write {Ids.Format(value)} at index {entry.Index} was never proposed");
        _commandsCommitted++;
        var taken = node.Replica!.StateMachine.TryGet(command.Key!, out var now) && now.GetInt64() == value;
        _exactlyOnce.Committed(entry.Index, command.Key, value, command.Session, command.Seq, taken);
    }

    /// <summary>A replica replaced its state machine with a snapshot (from the leader, or its own on restart).</summary>
    internal void OnRestored(SimNode node, SnapshotMetadata meta)
    {
        node.AppliedIndex = meta.Index;
        node.Digest = meta.Index == 0 ? 0 : _stateMachineSafety.DigestAt(meta.Index)
            ?? throw new InvariantViolationException("State Machine Safety", $"node {node.Id} restored a snapshot at index {meta.Index} that no node ever applied");
        if (node.IsUp && node.Replica!.StateMachine.AppliedIndex != meta.Index)
            throw new InvariantViolationException("Apply", $"node {node.Id} restored a snapshot of index {meta.Index} holding state of index {node.Replica.StateMachine.AppliedIndex}");
        if (node.IsUp) _snapshotsInstalled++;
        if (node.IsUp && node.Id == _laggingNode) _laggingFollowerInstalls++;
        Trace($"node {node.Id} restored snapshot", $"index {meta.Index} term {meta.Term}");
    }

    private static ulong Mix(ulong digest, Entry entry)
    {
        // FNV-1a over (previous digest, index, term, data): equal digests mean equal applied prefixes.
        var h = digest ^ 14695981039346656037UL;
        void Add(ulong x)
        {
            for (var i = 0; i < 8; i++)
            {
                h ^= (byte)(x >> (8 * i));
                h *= 1099511628211UL;
            }
        }
        Add((ulong)entry.Index);
        Add((ulong)entry.Term);
        foreach (var b in entry.Data)
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        return h;
    }

    // ------------------------------------------------------------------ invariants after every step

    private void CheckNode(SimNode node, int[] votersBefore)
    {
        if (node.Core is not { } core) return;
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
                long DurableTerm(int voter, long index) => voter < _nodes.Count ? _nodes[voter].Disk.TermAt(index) : -1;
                try
                {
                    CommitDurabilityChecker.Check(node.Id, core.Term, commit, core.TermAt(commit), votersBefore, DurableTerm);
                }
                catch (InvariantViolationException) when (!votersBefore.SequenceEqual(core.Config.Voters))
                {
                    CommitDurabilityChecker.Check(node.Id, core.Term, commit, core.TermAt(commit), core.Config.Voters, DurableTerm);
                }
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

    // ------------------------------------------------------------------ liveness and the end

    private void CheckProgress()
    {
        // Liveness: once every client has completed an operation it began after the heal, clients stop;
        // then every pending command must commit and every member must apply it.
        var why = "clients have not all completed an operation since the heal";
        if (!_clientsStopped)
        {
            if (_clients.All(c => c.CompletedAfterHeal > 0) && _now >= _writesEndAt)
            {
                _clientsStopped = true;
                AllowForSnapshotTransfers();
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
            if (_nodes[id].Replica is not { } replica)
            {
                why = $"member {id} is down";
                return false;
            }
            var core = replica.Core;
            if (core.Term != leader.Term || core.LeaderId != leader.Id || replica.StateMachine.AppliedIndex != leader.CommitIndex)
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
        var reference = members[0].Replica!.StateMachine.TakeSnapshot();
        foreach (var node in members)
        {
            var machine = node.Replica!.StateMachine;
            if (machine.AppliedIndex != leader.CommitIndex || _stateMachineSafety.DigestAt(machine.AppliedIndex) != node.Digest)
                throw new InvariantViolationException("State Machine Safety", $"node {node.Id} ended with a different state (applied {machine.AppliedIndex})");
            if (!machine.TakeSnapshot().AsSpan().SequenceEqual(reference))
                throw new InvariantViolationException("State Machine Safety", $"node {node.Id}'s state (data and sessions) differs from node {members[0].Id}'s");
            // Each node's final value of every key is the last write that took effect on it.
            foreach (var key in Enumerable.Range(0, _s.KeyCount).Select(k => "k" + k))
            {
                var actual = machine.TryGet(key, out var value) ? value.GetInt64() : 0;
                if (actual != _exactlyOnce.ValueOf(key))
                    throw new InvariantViolationException("Exactly once",
                        $"node {node.Id} ends with '{key}' = {Ids.Format(actual)}, the last write to take effect was {Ids.Format(_exactlyOnce.ValueOf(key))}");
            }
        }
        // Every acknowledged write took effect exactly once (at most once is checked as entries are applied).
        foreach (var id in _acknowledged)
        {
            if (!_exactlyOnce.TookEffect(id))
                throw new InvariantViolationException("Durability", $"acknowledged write {Ids.Format(id)} never took effect");
        }
        LinearizabilityChecker.Check([.. _exactlyOnce.EffectiveWrites.Select(id => _writes[id])], _reads);
    }
}
