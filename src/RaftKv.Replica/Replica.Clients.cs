using System.Text.Json;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Protocol;
using RaftKv.Replica.Io;
using RaftKv.StateMachine;

namespace RaftKv.Replica;

// Client requests: the one switch over ClientOp (a new operation gets its case in Submit), the waiters for writes
// (by log index) and linearizable reads (by ReadIndex round), and the answers.
public sealed partial class Replica
{
    /// <summary>A write waiting for its entry to be applied; <see cref="Term"/> tells whether the entry there is still ours.</summary>
    private readonly record struct PendingWrite(long Term, IClientCall Call);

    /// <summary>A request that needs a leader, held while an election is under way (until <see cref="Deadline"/>, in ticks).</summary>
    private readonly record struct LeaderWait(long Deadline, IClientCall Call);

    private readonly Dictionary<long, PendingWrite> _writes = [];

    /// <summary>Session writes this leader proposed and has not applied yet: where each is, and its command (<see cref="JoinProposedWrite"/>).</summary>
    private readonly Dictionary<(long Session, long Seq), (long Index, byte[] Command)> _proposedWrites = [];
    private readonly Dictionary<long, List<IClientCall>> _readsByContext = [];
    private readonly List<(long Index, List<IClientCall> Reads)> _readsAwaitingApply = [];
    private readonly List<IClientCall> _readBatch = [];
    private readonly List<LeaderWait> _awaitingLeader = [];
    private long _nextReadContext;

    /// <summary>
    /// A client request. Answered at once when it can be (a bad request, a stale read, status, a write to a
    /// follower), else when its entry is applied or its read is confirmed.
    /// </summary>
    public void Submit(IClientCall call)
    {
        var request = call.Request;
        if (_stopped)
        {
            call.Complete(Respond(request, ClientStatus.Unavailable) with { Error = "the node is shutting down" });
            return;
        }
        if (ClientRequestRules.Validate(request) is { } error)
        {
            call.Complete(Respond(request, ClientStatus.BadRequest) with { Error = error });
            return;
        }
        switch (request.Op)
        {
            case var op when DataRequests.IsWrite(op) || op == ClientOp.Register:
                if (NeedsLeader(call)) Propose(call);
                break;
            case ClientOp.LeaseKeepAlive or ClientOp.LeaseTtl or ClientOp.LeaseList:
                if (NeedsLeader(call)) call.Complete(AnswerLease(request));
                break;
            case ClientOp.Get when request.Stale:
                call.Complete(Read(request));
                break;
            case ClientOp.Get:
                if (NeedsLeader(call)) _readBatch.Add(call);
                break;
            case ClientOp.Status:
                call.Complete(Respond(request, ClientStatus.Ok) with { Node = BuildStatus() });
                break;
            case ClientOp.Log:
                call.Complete(Respond(request, ClientStatus.Ok) with { Entries = BuildLog(request.From, request.Limit), CompactedThrough = _raft.FirstIndex - 1 });
                break;
            case var op when IsMembership(op):
                if (NeedsLeader(call)) HandleMembership(call);
                break;
            default:
                call.Complete(Respond(request, ClientStatus.BadRequest) with { Error = $"unknown operation {request.Op}" });
                break;
        }
    }

    /// <summary>
    /// True when this replica leads and may take the request. Otherwise it is answered (disk full, not the leader)
    /// or, while an election is under way, held until the outcome is known: after a leadership transfer that is the
    /// difference between a retry loop and an answer within milliseconds.
    /// </summary>
    private bool NeedsLeader(IClientCall call)
    {
        if (call.GaveUp) return false;
        var request = call.Request;
        if (_diskFull)
        {
            call.Complete(Respond(request, ClientStatus.Unavailable) with { Error = $"disk full on node {Id}; writes refused until space returns" });
            return false;
        }
        if (_raft.Role == Role.Leader) return true;
        if (_raft.LeaderId == NodeIds.None && !_shuttingDown)
        {
            _awaitingLeader.Add(new LeaderWait(_ticks + _options.EffectiveLeaderWaitTicks, call));
            return false;
        }
        call.Complete(Respond(request, ClientStatus.NotLeader) with { Error = $"node {Id} is not the leader" });
        return false;
    }

    /// <summary>Once a leader is known (or we are shutting down), the held requests are taken up again.</summary>
    private void RetryLeaderWaits()
    {
        if (_awaitingLeader.Count == 0 || (_raft.LeaderId == NodeIds.None && !_shuttingDown)) return;
        var held = _awaitingLeader.ToArray();
        _awaitingLeader.Clear();
        foreach (var w in held) Submit(w.Call);
    }

    private void ExpireLeaderWaits()
    {
        for (var i = _awaitingLeader.Count - 1; i >= 0; i--)
        {
            var w = _awaitingLeader[i];
            if (w.Deadline > _ticks && !w.Call.GaveUp) continue;
            _awaitingLeader.RemoveAt(i);
            if (!w.Call.GaveUp)
                w.Call.Complete(Respond(w.Call.Request, ClientStatus.NotLeader) with { Error = $"node {Id} is not the leader and no leader was elected in time" });
        }
    }

    private void Propose(IClientCall call)
    {
        var request = call.Request;
        byte[] command;
        try
        {
            command = request.Op == ClientOp.Register ? KvCommandCodec.EncodeRegister() : KvCommandCodec.Encode(DataRequests.ToCommand(request));
        }
        catch (ArgumentException bad)
        {
            // A transaction document the state machine would refuse: refused here, before it is proposed.
            call.Complete(Respond(request, ClientStatus.BadRequest) with { Error = bad.Message });
            return;
        }
        if (command.Length > _options.MaxValueBytes + ClientRequestRules.CommandOverheadBytes)
        {
            call.Complete(Respond(request, ClientStatus.BadRequest) with { Error = $"value too large: the limit is {_options.MaxValueBytes} bytes" });
            return;
        }
        if (JoinProposedWrite(call, command)) return;
        switch (_raft.Propose(command, out var index))
        {
            case ProposeResult.Accepted:
                _writes[index] = new PendingWrite(_raft.Term, call);
                if (request.Session is long session && session > 0) _proposedWrites[(session, request.Seq)] = (index, command);
                break;
            case ProposeResult.TransferInProgress:
                call.Complete(Respond(request, ClientStatus.NotLeader, _raft.TransferTarget) with
                {
                    Error = $"leadership is moving to node {_raft.TransferTarget}",
                });
                break;
            case ProposeResult.Overloaded:
                call.Complete(Respond(request, ClientStatus.Unavailable) with { Error = "too many uncommitted writes; retry" });
                break;
            default:
                call.Complete(Respond(request, ClientStatus.NotLeader) with { Error = "not the leader" });
                break;
        }
    }

    /// <summary>
    /// A retry of a session write this leader proposed in its current term and has not applied yet waits for that
    /// entry instead of appending another copy (which the session table would only answer as a duplicate). On a slow
    /// cluster, every client retry after its attempt timeout added an entry, and the backlog outgrew what the cluster
    /// could commit: no client ever got an answer in time (simulator seed 70558952). The earlier waiter, if still
    /// waiting, is told to retry; only a byte-identical command joins (anything else is proposed and judged by the
    /// session table as before).
    /// </summary>
    private bool JoinProposedWrite(IClientCall call, byte[] command)
    {
        var request = call.Request;
        if (request.Session is not long session || session <= 0 ||
            !_proposedWrites.TryGetValue((session, request.Seq), out var proposed) ||
            !_writes.TryGetValue(proposed.Index, out var pending) || pending.Term != _raft.Term ||
            !proposed.Command.AsSpan().SequenceEqual(command))
            return false;
        if (!pending.Call.GaveUp)
            pending.Call.Complete(Respond(pending.Call.Request, ClientStatus.Unavailable) with
            {
                Error = "a retry of this write (same session and seq) took its place; it may still commit: retry with the same session and seq",
            });
        _writes[proposed.Index] = pending with { Call = call };
        return true;
    }

    /// <summary>The write waiting at <paramref name="index"/> is answered or failed: a retry of it is proposed anew.</summary>
    private void ForgetProposedWrite(long index, PendingWrite write)
    {
        var request = write.Call.Request;
        if (request.Session is long session && session > 0 && _proposedWrites.TryGetValue((session, request.Seq), out var proposed) && proposed.Index == index)
            _proposedWrites.Remove((session, request.Seq));
    }

    /// <summary>Leader-only periodic proposals (<see cref="ILeaderDuty"/>); nobody waits for their answers.</summary>
    private void RunLeaderDuties()
    {
        foreach (var duty in _options.LeaderDuties)
            foreach (var command in duty.Due(_ticks, _kv))
                if (_raft.Propose(command, out _) != ProposeResult.Accepted) return;
    }

    /// <summary>All linearizable reads that arrived since the last turn share one ReadIndex round (one heartbeat).</summary>
    private void StartReads()
    {
        if (_readBatch.Count == 0) return;
        var context = ++_nextReadContext;
        if (_raft.ReadIndex(context))
        {
            _readsByContext[context] = [.. _readBatch];
        }
        else
        {
            foreach (var c in _readBatch)
                c.Complete(Respond(c.Request, ClientStatus.NotLeader) with { Error = "not the leader" });
        }
        _readBatch.Clear();
    }

    /// <summary>Applies one committed entry to the state machine and answers the write waiting for it, if any.</summary>
    private void Apply(Entry entry)
    {
        var response = default(ClientResponse);
        if (entry.Type == EntryType.Command)
        {
            var result = _kv.Apply(entry.Index, entry.Data);
            if (_writes.TryGetValue(entry.Index, out var w) && w.Term == entry.Term)
                response = WriteAnswer(w.Call.Request, entry.Index, result);
        }
        else
        {
            _kv.AdvanceTo(entry.Index);
            if (entry.Type == EntryType.ConfigChange)
            {
                _log.LogInformation("Membership is now {Config}", _raft.Config);
                if (_writes.TryGetValue(entry.Index, out var w) && w.Term == entry.Term)
                    response = Respond(w.Call.Request, ClientStatus.Ok) with { Index = entry.Index, Members = BuildMembers(withProgress: false) };
            }
        }
        _applied?.Applied(entry);
        _logBytesSinceSnapshot += entry.Data.Length;

        if (_writes.Remove(entry.Index, out var waiter))
        {
            ForgetProposedWrite(entry.Index, waiter);
            // A different entry at our index means our proposal was overwritten by a newer leader:
            // it was never applied, and the client may retry safely (same session and sequence).
            waiter.Call.Complete(response ?? Respond(waiter.Call.Request, ClientStatus.NotLeader) with
            {
                Error = "leadership changed before the write committed; retry",
            });
        }
    }

    /// <summary>The answer to a write (or register) whose entry was applied at <paramref name="index"/> with <paramref name="result"/>.</summary>
    private ClientResponse WriteAnswer(ClientRequest request, long index, KvResult result)
    {
        if (SessionRequests.Answer(request, result, index, Respond(request, ClientStatus.Ok)) is { } sessionAnswer) return sessionAnswer;
        return DataRequests.ToResponse(request, result, index, Respond(request, ClientStatus.Ok));
    }

    private void FailWritesUpTo(long index)
    {
        foreach (var key in _writes.Keys.Where(k => k <= index).ToList())
        {
            _writes.Remove(key, out var w);
            ForgetProposedWrite(key, w);
            w.Call.Complete(Respond(w.Call.Request, ClientStatus.Unavailable) with
            {
                Error = "a snapshot replaced the log here; the write may have been applied: retry with the same session and seq",
            });
        }
    }

    private void OnReadState(ReadState rs)
    {
        if (OnBackupReadState(rs)) return;
        if (!_readsByContext.Remove(rs.Context, out var reads)) return;
        _readsAwaitingApply.Add((rs.Index, reads));
    }

    private void ServeReadsUpTo(long applied)
    {
        ServeBackupsUpTo(applied);
        for (var i = 0; i < _readsAwaitingApply.Count;)
        {
            var (index, reads) = _readsAwaitingApply[i];
            if (index > applied) { i++; continue; }
            foreach (var c in reads) c.Complete(Read(c.Request));
            _readsAwaitingApply.RemoveAt(i);
        }
    }

    private ClientResponse Read(ClientRequest request) => DataRequests.Read(_kv, request, Respond(request, ClientStatus.Ok));

    /// <summary>Leadership was lost: waiting writes may still commit under the next leader; waiting reads must be retried.</summary>
    private void FailWaitersOnLeadershipLoss(int newLeader)
    {
        // Unavailable, not NotLeader: NotLeader promises the write was not applied, and these entries
        // are in the log and may well commit under the next leader (found by a nemesis run, seed 202).
        foreach (var w in _writes.Values)
            w.Call.Complete(Respond(w.Call.Request, ClientStatus.Unavailable, newLeader) with
            {
                Error = "leadership lost before the write committed; it may still commit: retry with the same session and seq",
            });
        _writes.Clear();
        _proposedWrites.Clear();
        foreach (var reads in _readsByContext.Values)
            foreach (var c in reads)
                c.Complete(Respond(c.Request, ClientStatus.NotLeader, newLeader) with { Error = "leadership lost; retry" });
        _readsByContext.Clear();
        FailBackups();
    }

    private void FailAllWaiters(string reason)
    {
        foreach (var w in _writes.Values)
            w.Call.Complete(Respond(w.Call.Request, ClientStatus.Unavailable) with { Error = reason });
        _writes.Clear();
        _proposedWrites.Clear();
        var reads = _readsByContext.Values.SelectMany(r => r)
            .Concat(_readsAwaitingApply.SelectMany(r => r.Reads))
            .Concat(_readBatch)
            .Concat(_awaitingLeader.Select(w => w.Call));
        foreach (var c in reads)
            c.Complete(Respond(c.Request, ClientStatus.Unavailable) with { Error = reason });
        _readsByContext.Clear();
        _readsAwaitingApply.Clear();
        _readBatch.Clear();
        _awaitingLeader.Clear();
        FailBackups();
    }

    /// <summary>An answer to <paramref name="request"/> carrying the leader hint (the given one, else the leader we know).</summary>
    public ClientResponse Respond(ClientRequest request, ClientStatus status, int? leaderHint = null)
    {
        var leader = leaderHint is { } h && h != NodeIds.None ? h : _raft.LeaderId;
        return new ClientResponse
        {
            Id = request.Id,
            Status = status,
            LeaderId = leader == NodeIds.None ? null : leader,
            LeaderAddress = leader == NodeIds.None ? null : AddressOf(leader),
        };
    }

    private string? AddressOf(int nodeId) => _addressBook.GetValueOrDefault(nodeId);
}
