using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Replica.Io;

namespace RaftKv.Replica;

// Handling the core's Ready: persist, send, apply, answer, compact. The order is the durability contract.
public sealed partial class Replica
{
    private long _nextStorageRequest;

    /// <summary>A Ready whose entries or hard state the storage writer is making durable; the rest of it waits.</summary>
    private (long Id, Ready Ready)? _persisting;

    /// <summary>A commit-index-only change: not worth an fsync of its own, it rides along with the next batch.</summary>
    private HardState? _unsavedHardState;

    private long _lastSnapshotIndex;
    private long? _compacting;
    private long _compactionRetryAt;

    private void HandleReadies()
    {
        // One Ready at a time: the next is taken once the previous one is durable. Meanwhile the core keeps
        // accumulating, so the next batch holds everything that arrived during the fsync (group commit).
        while (_persisting is null && _raft.HasReady) HandleReady(_raft.GetReady());
    }

    private void HandleReady(Ready ready)
    {
        if (ready.SoftState is { } soft) OnSoftStateChanged(soft);

        // A leader's AppendEntries and heartbeats do not depend on its own disk write, so they go out
        // first and the followers' writes overlap with ours (thesis §10.2.1). The leader counts its own
        // copy only after Advance. Votes and acknowledgements wait for the fsync.
        foreach (var m in ready.Messages)
            if (IsLeaderTraffic(m.Type)) _peers.Send(m);

        // Committed entries are already durable on a majority (the core counts a copy only once its
        // holder has fsynced it), so they can be applied and answered before this node's own write
        // of newer entries finishes: a client waits for one fsync, not two.
        if (ready.Snapshot is { } snapshot) InstallSnapshot(snapshot);
        foreach (var entry in ready.CommittedEntries) Apply(entry);
        foreach (var rs in ready.ReadStates) OnReadState(rs);
        ServeReadsUpTo(_kv.AppliedIndex);

        if (ready.HardState is { } hs) _unsavedHardState = hs;
        if (ready.MustSync)
        {
            var id = ++_nextStorageRequest;
            _persisting = (id, ready);
            _storage.Persist(new PersistRequest(id, _unsavedHardState, ready.Entries, ready.Snapshot));
            _unsavedHardState = null;
            return;
        }
        FinishReady(ready);
    }

    private static bool IsLeaderTraffic(MessageType type) =>
        type is MessageType.Append or MessageType.Heartbeat or MessageType.Snapshot or MessageType.TimeoutNow;

    /// <summary>The storage writer made persistence request <paramref name="id"/> durable.</summary>
    public void OnPersisted(long id)
    {
        if (_persisting is not { } p || p.Id != id)
            throw new InvalidOperationException($"storage reported request {id} durable, but the replica waits for {(_persisting is { } q ? q.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}");
        _persisting = null;
        FinishReady(p.Ready);
    }

    private void FinishReady(Ready ready)
    {
        foreach (var m in ready.Messages)
            if (!IsLeaderTraffic(m.Type)) _peers.Send(m);
        _raft.Advance(ready);
    }

    private void InstallSnapshot(Snapshot snapshot)
    {
        _kv.Restore(snapshot.Data);
        _lastSnapshotIndex = snapshot.Metadata.Index;
        FailWritesUpTo(snapshot.Metadata.Index);
        _log.LogInformation("installed snapshot at index {Index} term {Term} from the leader", snapshot.Metadata.Index, snapshot.Metadata.Term);
    }

    /// <summary>
    /// Log compaction (Raft §7): once <see cref="ReplicaOptions.SnapshotEntries"/> entries were applied since the
    /// last snapshot, capture the state machine and ask the storage to store it and drop the log it covers. Only
    /// durable entries are compacted, and one compaction runs at a time.
    /// </summary>
    private void MaybeCompact()
    {
        if (_compacting is not null || _ticks < _compactionRetryAt) return;
        var applied = _raft.AppliedIndex;
        if (applied - _lastSnapshotIndex < _options.SnapshotEntries || applied > _raft.StabledIndex || _persisting is not null) return;
        var snapshot = _raft.Compact(_kv.TakeSnapshot());
        var id = ++_nextStorageRequest;
        _compacting = id;
        _lastSnapshotIndex = snapshot.Metadata.Index;
        _storage.Compact(new CompactRequest(id, _unsavedHardState, snapshot));
        _unsavedHardState = null;
    }

    /// <summary>
    /// The storage writer finished compaction request <paramref name="id"/>. When it could not store the snapshot
    /// (disk full), the log on disk is whole and nothing is lost; the replica tries again a little later. (The
    /// core's in-memory log is already compacted, which only changes what it can send to slow followers.)
    /// </summary>
    public void OnCompacted(long id, bool stored)
    {
        if (_compacting != id)
            throw new InvalidOperationException($"storage reported compaction {id}, but the replica waits for {_compacting?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
        _compacting = null;
        if (stored)
        {
            _log.LogInformation("snapshot at index {Index} stored; log compacted", _lastSnapshotIndex);
            return;
        }
        _log.LogWarning("snapshot at index {Index} could not be stored; the log stays whole, retrying in {Ticks} ticks", _lastSnapshotIndex, _options.CompactionRetryTicks);
        _compactionRetryAt = _ticks + _options.CompactionRetryTicks;
        _lastSnapshotIndex = 0;
    }
}
