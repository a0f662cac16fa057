using System.Text.Json;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Node.Events;
using RaftKv.Protocol;
using RaftKv.Storage;

namespace RaftKv.Node;

// The event loop: take inputs, feed the core, handle each Ready in the order DESIGN.md requires.
public sealed partial class RaftNode
{
    /// <summary>A write waiting for its entry to be applied; <see cref="Term"/> tells whether the entry there is still ours.</summary>
    private readonly record struct PendingWrite(long Term, ClientEvent Event);

    private readonly Dictionary<long, PendingWrite> _writes = [];
    private readonly Dictionary<long, List<ClientEvent>> _readsByContext = [];
    private readonly List<(long Index, List<ClientEvent> Reads)> _readsAwaitingApply = [];
    private readonly List<ClientEvent> _readBatch = [];
    private long _nextReadContext;
    private ShutdownEvent? _shutdown;
    private long _lastSnapshotIndex;
    private HardState? _unsavedHardState;

    private async Task RunLoopAsync(CancellationToken ct)
    {
        try
        {
            _lastSnapshotIndex = _raft.FirstIndex - 1;
            PublishView();
            while (!ct.IsCancellationRequested)
            {
                var inputs = 0;
                // Peer messages first: their acknowledgements free the pipeline and commit entries.
                while (inputs < MaxInputsPerTurn && _inbound.Reader.TryRead(out var message))
                {
                    _raft.Step(message);
                    inputs++;
                }
                while (inputs < MaxInputsPerTurn && _events.Reader.TryRead(out var e))
                {
                    Handle(e);
                    inputs++;
                }
                StartReads();

                var worked = false;
                while (_raft.HasReady)
                {
                    await HandleReadyAsync(ct);
                    worked = true;
                }
                if (inputs == 0 && !worked) await WaitForInputAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
        catch (Exception ex)
        {
            // Corrupt storage or a broken Raft invariant: stop loudly, never limp on with bad state.
            _log.LogCritical(ex, "stopped: {Reason}", ex.Message);
            _stopped.TrySetException(ex);
        }
        finally
        {
            FailAllWaiters("the node is shutting down");
        }
    }

    private async Task WaitForInputAsync(CancellationToken ct)
    {
        var a = _inbound.Reader.WaitToReadAsync(ct);
        var b = _events.Reader.WaitToReadAsync(ct);
        if (a.IsCompleted || b.IsCompleted) return;
        await Task.WhenAny(a.AsTask(), b.AsTask());
    }

    private void Handle(NodeEvent e)
    {
        switch (e)
        {
            case TickEvent:
                // A node on its way out that has handed over leadership must not campaign again.
                if (!_view.ShuttingDown || _raft.Role == Role.Leader) _raft.Tick();
                LeaseTick();
                break;
            case WatchRegistration w:
                StartWatch(w.Watcher);
                break;
            case ClientEvent c:
                HandleClient(c);
                break;
            case ShutdownEvent s:
                BeginShutdown(s);
                break;
        }
    }

    private void HandleClient(ClientEvent c)
    {
        var request = c.Request;
        switch (request.Op)
        {
            case var op when DataRequests.IsWrite(op):
                Propose(c);
                break;
            case ClientOp.LeaseKeepAlive or ClientOp.LeaseTtl or ClientOp.LeaseList:
                c.Done.TrySetResult(AnswerLease(request));
                break;
            case ClientOp.Get when request.Stale:
                c.Done.TrySetResult(Read(request));
                break;
            case ClientOp.Get:
                _readBatch.Add(c);
                break;
            case ClientOp.Status:
                c.Done.TrySetResult(Respond(request, ClientStatus.Ok) with { Node = BuildStatus() });
                break;
            case ClientOp.Log:
                c.Done.TrySetResult(Respond(request, ClientStatus.Ok) with { Entries = BuildLog(request.From, request.Limit) });
                break;
        }
    }

    private void Propose(ClientEvent c)
    {
        switch (_raft.Propose(c.Command!, out var index))
        {
            case ProposeResult.Accepted:
                _writes[index] = new PendingWrite(_raft.Term, c);
                break;
            case ProposeResult.TransferInProgress:
                c.Done.TrySetResult(Respond(c.Request, ClientStatus.NotLeader, _raft.TransferTarget) with
                {
                    Error = $"leadership is moving to node {_raft.TransferTarget}",
                });
                break;
            case ProposeResult.Overloaded:
                c.Done.TrySetResult(Respond(c.Request, ClientStatus.Unavailable) with { Error = "too many uncommitted writes; retry" });
                break;
            default:
                c.Done.TrySetResult(Respond(c.Request, ClientStatus.NotLeader) with { Error = "not the leader" });
                break;
        }
    }

    /// <summary>All linearizable reads that arrived in this turn share one ReadIndex round (one heartbeat).</summary>
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
                c.Done.TrySetResult(Respond(c.Request, ClientStatus.NotLeader) with { Error = "not the leader" });
        }
        _readBatch.Clear();
    }

    private async Task HandleReadyAsync(CancellationToken ct)
    {
        var ready = _raft.GetReady();
        if (ready.SoftState is { } soft) OnSoftStateChanged(soft);

        // A leader's AppendEntries and heartbeats do not depend on its own disk write, so they go out
        // first and the followers' writes overlap with ours (thesis §10.2.1). The leader counts its own
        // copy only after Advance. Votes and acknowledgements wait for the fsync below.
        foreach (var m in ready.Messages)
            if (IsLeaderTraffic(m.Type)) _peers.Send(m);

        // Committed entries are already durable on a majority (the core counts a copy only once its
        // holder has fsynced it), so they can be applied and answered before this node's own write
        // of newer entries finishes: a client waits for one fsync, not two.
        if (ready.Snapshot is { } snapshot)
        {
            _kv.Restore(snapshot.Data);
            _lastSnapshotIndex = snapshot.Metadata.Index;
            FailWritesUpTo(snapshot.Metadata.Index);
            _log.LogInformation("installed snapshot at index {Index} term {Term} from the leader", snapshot.Metadata.Index, snapshot.Metadata.Term);
        }
        foreach (var entry in ready.CommittedEntries) Apply(entry);
        if (ready.Snapshot is not null || ready.CommittedEntries.Count > 0) AfterApply();
        foreach (var rs in ready.ReadStates) OnReadState(rs);
        ServeReadsUpTo(_kv.AppliedIndex);

        // A commit-index-only change is not worth an fsync of its own; it rides along with the next batch.
        if (ready.HardState is { } hs) _unsavedHardState = hs;
        if (ready.MustSync)
        {
            await PersistAsync(_unsavedHardState, ready, ct);
            _unsavedHardState = null;
        }

        foreach (var m in ready.Messages)
            if (!IsLeaderTraffic(m.Type)) _peers.Send(m);

        _raft.Advance(ready);
        MaybeCompact();
        PublishView();
    }

    private static bool IsLeaderTraffic(MessageType type) =>
        type is MessageType.Append or MessageType.Heartbeat or MessageType.Snapshot or MessageType.TimeoutNow;

    private async Task PersistAsync(HardState? hardState, Ready ready, CancellationToken ct)
    {
        var warned = false;
        while (true)
        {
            try
            {
                _storage.Save(hardState, ready.Entries, ready.Snapshot);
                if (warned)
                {
                    _log.LogWarning("disk writable again; resuming");
                    SetView(_view with { DiskFull = false });
                }
                return;
            }
            catch (StorageFullException ex)
            {
                // Nothing was acknowledged on the strength of this batch: wait for space and write it
                // again. Clients are told "unavailable: disk full" meanwhile.
                if (!warned) _log.LogError("disk full, refusing writes until space returns: {Reason}", ex.Message);
                warned = true;
                SetView(_view with { DiskFull = true });
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            }
        }
    }

    private void Apply(Entry entry)
    {
        var response = default(ClientResponse);
        if (entry.Type == EntryType.Command)
        {
            var result = _kv.Apply(entry.Index, entry.Data);
            if (_writes.TryGetValue(entry.Index, out var w) && w.Term == entry.Term)
                response = DataRequests.ToResponse(w.Event.Request, result, entry.Index, Respond(w.Event.Request, ClientStatus.Ok));
        }
        else
        {
            _kv.AdvanceTo(entry.Index);
            if (entry.Type == EntryType.ConfigChange)
                _log.LogInformation("membership is now {Config}", _raft.Config);
        }

        if (_writes.Remove(entry.Index, out var waiter))
        {
            // A different entry at our index means our proposal was overwritten by a newer leader:
            // it was never applied, and the client may retry safely (same client id and sequence).
            waiter.Event.Done.TrySetResult(response ?? Respond(waiter.Event.Request, ClientStatus.NotLeader) with
            {
                Error = "leadership changed before the write committed; retry",
            });
        }
    }

    private void FailWritesUpTo(long index)
    {
        foreach (var key in _writes.Keys.Where(k => k <= index).ToList())
        {
            _writes.Remove(key, out var w);
            w.Event.Done.TrySetResult(Respond(w.Event.Request, ClientStatus.Unavailable) with
            {
                Error = "a snapshot replaced the log here; the write may have been applied: retry with the same client id and seq",
            });
        }
    }

    private void OnReadState(ReadState rs)
    {
        if (!_readsByContext.Remove(rs.Context, out var reads)) return;
        _readsAwaitingApply.Add((rs.Index, reads));
    }

    private void ServeReadsUpTo(long applied)
    {
        for (var i = 0; i < _readsAwaitingApply.Count;)
        {
            var (index, reads) = _readsAwaitingApply[i];
            if (index > applied) { i++; continue; }
            foreach (var c in reads) c.Done.TrySetResult(Read(c.Request));
            _readsAwaitingApply.RemoveAt(i);
        }
    }

    private ClientResponse Read(ClientRequest request) => DataRequests.Read(_kv, request, Respond(request, ClientStatus.Ok));

    private void OnSoftStateChanged(SoftState soft)
    {
        var before = _view;
        if (soft.Term != before.Term) _log.LogInformation("term {Term}", soft.Term);
        if (soft.Role != before.Role)
        {
            switch (soft.Role)
            {
                case Role.Leader:
                    _log.LogInformation("became LEADER in term {Term}", soft.Term);
                    break;
                case Role.Candidate:
                    _log.LogInformation("became candidate in term {Term}, requesting votes", soft.Term);
                    break;
                case Role.PreCandidate:
                    _log.LogInformation("no leader heard; pre-vote for term {Term}", soft.Term + 1);
                    break;
                default:
                    _log.LogInformation("became follower in term {Term}", soft.Term);
                    break;
            }
        }
        if (soft.LeaderId != before.LeaderId && soft.LeaderId != NodeIds.None && soft.LeaderId != Id)
            _log.LogInformation("leader is node {Leader} ({Address}) in term {Term}", soft.LeaderId, AddressOf(soft.LeaderId), soft.Term);

        if (before.Role == Role.Leader && soft.Role != Role.Leader)
        {
            // Pending writes may still commit under the next leader; their clients retry with the same
            // sequence number and get the remembered result. Unconfirmed reads must be retried.
            // Unavailable, not NotLeader: NotLeader promises the write was not applied, and these entries
            // are in the log and may well commit under the next leader (found by a nemesis run, seed 202).
            foreach (var w in _writes.Values)
                w.Event.Done.TrySetResult(Respond(w.Event.Request, ClientStatus.Unavailable, soft.LeaderId) with
                {
                    Error = "leadership lost before the write committed; it may still commit: retry with the same client id and seq",
                });
            _writes.Clear();
            foreach (var reads in _readsByContext.Values)
                foreach (var c in reads)
                    c.Done.TrySetResult(Respond(c.Request, ClientStatus.NotLeader, soft.LeaderId) with { Error = "leadership lost; retry" });
            _readsByContext.Clear();
        }
        if (soft.Role != before.Role) LeaseRoleChanged(soft.Role);
        SetView(before with { Role = soft.Role, Term = soft.Term, LeaderId = soft.LeaderId });
        if (_shutdown is not null && soft.Role != Role.Leader && soft.LeaderId != NodeIds.None)
        {
            _shutdown.TransferredTo.TrySetResult(soft.LeaderId);
            _shutdown = null;
        }
    }

    private void BeginShutdown(ShutdownEvent s)
    {
        SetView(_view with { ShuttingDown = true });
        if (_raft.Role != Role.Leader)
        {
            s.TransferredTo.TrySetResult(_raft.LeaderId);
            return;
        }
        var target = _raft.MostUpToDateFollower();
        if (target == NodeIds.None || !_raft.TransferLeadership(target))
        {
            s.TransferredTo.TrySetResult(NodeIds.None);
            return;
        }
        _log.LogInformation("shutting down; handing leadership to node {Target}", target);
        _shutdown = s;
    }

    private void MaybeCompact()
    {
        var applied = _raft.AppliedIndex;
        if (applied - _lastSnapshotIndex < _options.SnapshotEntries || applied > _raft.StabledIndex) return;
        if (_unsavedHardState is { } hs)
        {
            // Storage only compacts what it knows is committed; bring its commit index up to date first.
            _storage.Save(hs, [], null);
            _unsavedHardState = null;
        }
        var snapshot = _raft.Compact(_kv.TakeSnapshot());
        _storage.Compact(snapshot);
        _lastSnapshotIndex = snapshot.Metadata.Index;
        _log.LogInformation("snapshot at index {Index} ({Bytes} bytes); log compacted", snapshot.Metadata.Index, snapshot.Data.Length);
    }

    private void PublishView()
    {
        var v = _view;
        if (v.Role != _raft.Role || v.Term != _raft.Term || v.LeaderId != _raft.LeaderId)
            SetView(v with { Role = _raft.Role, Term = _raft.Term, LeaderId = _raft.LeaderId });
    }

    private void FailAllWaiters(string reason)
    {
        foreach (var w in _writes.Values)
            w.Event.Done.TrySetResult(Respond(w.Event.Request, ClientStatus.Unavailable) with { Error = reason });
        _writes.Clear();
        foreach (var c in _readsByContext.Values.SelectMany(r => r).Concat(_readsAwaitingApply.SelectMany(r => r.Reads)).Concat(_readBatch))
            c.Done.TrySetResult(Respond(c.Request, ClientStatus.Unavailable) with { Error = reason });
        _readsByContext.Clear();
        _readsAwaitingApply.Clear();
        _readBatch.Clear();
        while (_events.Reader.TryRead(out var e))
        {
            if (e is ClientEvent c) c.Done.TrySetResult(Respond(c.Request, ClientStatus.Unavailable) with { Error = reason });
            if (e is WatchRegistration w) w.Watcher.End(new ClientResponse { Status = ClientStatus.WatchCanceled, Error = $"watch canceled: {reason}" });
        }
        _shutdown?.TransferredTo.TrySetResult(NodeIds.None);
        _watchers.CancelAll(reason, new ClientResponse());
    }

    internal ClientResponse Respond(ClientRequest request, ClientStatus status, int? leaderHint = null)
    {
        var leader = leaderHint is { } h && h != NodeIds.None ? h : _view.LeaderId;
        return new ClientResponse
        {
            Id = request.Id,
            Status = status,
            LeaderId = leader == NodeIds.None ? null : leader,
            LeaderAddress = leader == NodeIds.None ? null : AddressOf(leader),
        };
    }

    private NodeStatus BuildStatus() => new()
    {
        Id = Id,
        Address = _options.Servers[Id],
        Role = _raft.Role.ToString().ToLowerInvariant(),
        Term = _raft.Term,
        LeaderId = _raft.LeaderId == NodeIds.None ? null : _raft.LeaderId,
        FirstIndex = _raft.FirstIndex,
        LastIndex = _raft.LastIndex,
        CommitIndex = _raft.CommitIndex,
        AppliedIndex = _kv.AppliedIndex,
        Voters = _raft.Config.Voters,
        Learners = _raft.Config.Learners,
    };

    private LogEntryView[] BuildLog(long? from, int? limit)
    {
        var first = Math.Max(from ?? _raft.FirstIndex, _raft.FirstIndex);
        var count = Math.Clamp(limit ?? 1000, 1, 10_000);
        return _raft.Entries(first, first + count - 1).Select(e => new LogEntryView
        {
            Index = e.Index,
            Term = e.Term,
            Type = e.Type switch { EntryType.Command => "command", EntryType.NoOp => "noop", _ => "config" },
            Command = e.Type == EntryType.Command ? TryParseJson(e.Data) : null,
        }).ToArray();
    }

    private static JsonElement? TryParseJson(byte[] data)
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
