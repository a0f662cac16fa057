using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Replica.Io;

namespace RaftKv.Replica;

// Handling the core's Ready: persist, send, apply, answer, compact. The order is the durability contract.
public sealed partial class Replica
{
    private long _nextStorageRequest;

    /// <summary>
    /// Persistence requests the storage writer has not yet reported durable, oldest first, each with the Readies
    /// that become durable with it: its own, and those after it that had nothing of their own to write.
    /// </summary>
    private readonly Queue<(long Id, List<Ready> Readies)> _persisting = new();

    /// <summary>The Readies of the newest request in <see cref="_persisting"/>.</summary>
    private List<Ready>? _newestPersisting;

    /// <summary>A commit-index-only change: not worth an fsync of its own, it rides along with the next batch.</summary>
    private HardState? _unsavedHardState;

    private long _lastSnapshotIndex;

    /// <summary>Command bytes applied since the last snapshot was captured (the <see cref="ReplicaOptions.SnapshotLogBytes"/> trigger).</summary>
    private long _logBytesSinceSnapshot;
    private long? _compacting;
    private long _compactionRetryAt;

    /// <summary>The last snapshot could not be stored: try again (at <see cref="_compactionRetryAt"/>) however few entries came since.</summary>
    private bool _compactionFailed;

    /// <summary>Requests handed to the storage writer and not yet reported durable.</summary>
    public int PersistRequestsInFlight => _persisting.Count;

    /// <summary>
    /// Takes every Ready the core has. The storage writer works meanwhile (etcd's asynchronous storage writes):
    /// the replica keeps ticking, heartbeating, applying and serving reads while a batch is being written, and
    /// the writer groups whatever queued up during an fsync into the next one (group commit).
    /// </summary>
    private void HandleReadies()
    {
        while (_raft.HasReady) HandleReady(_raft.GetReady());
    }

    private void HandleReady(Ready ready)
    {
        if (ready.SoftState is { } soft) OnSoftStateChanged(soft);

        // What the core says may leave before the disk write (a leader's appends and heartbeats once its term is
        // durable) goes now; the rest waits for the write (Ready.MessagesAfterPersist).
        foreach (var m in ready.Messages)
        {
            TellOutgoing(m);
            _peers.Send(m);
        }

        // Committed entries are already durable on a majority (the core counts a copy only once its holder
        // has reported it durable), so they can be applied and answered before this node's own write of newer
        // entries finishes: a client waits for one fsync, not two. The state machine lives in memory; after a
        // crash it is rebuilt from what is durable.
        if (ready.Snapshot is { } snapshot) InstallSnapshot(snapshot);
        foreach (var entry in ready.CommittedEntries) Apply(entry);
        if (ready.CommittedEntries.Count > 0) _raft.AppliedTo(ready.CommittedEntries[^1].Index);
        if (ready.Snapshot is not null || ready.CommittedEntries.Count > 0) AfterApply();
        foreach (var rs in ready.ReadStates) OnReadState(rs);
        ServeReadsUpTo(_kv.AppliedIndex);

        if (ready.HardState is { } hs) _unsavedHardState = hs;
        if (ready.MustSync)
        {
            var id = ++_nextStorageRequest;
            _newestPersisting = [ready];
            _persisting.Enqueue((id, _newestPersisting));
            _storage.Persist(new PersistRequest(id, _unsavedHardState, ready.Entries, ready.Snapshot));
            _unsavedHardState = null;
        }
        else if (_persisting.Count > 0)
        {
            // Nothing of its own to write, but its messages may depend on the writes still under way.
            _newestPersisting!.Add(ready);
        }
        else
        {
            Durable(ready);
        }
    }

    /// <summary>
    /// The storage writer made persistence request <paramref name="id"/> durable (and, writing in order, every
    /// earlier one): the messages that waited for it leave, and the core learns what is durable.
    /// </summary>
    public void OnPersisted(long id) => OnPersisted(id, stored: null);

    /// <summary>
    /// As <see cref="OnPersisted(long)"/>; <paramref name="stored"/> is the leader's snapshot the request carried, as the
    /// storage now holds it (its data in this node's snapshot file): the core keeps that handle instead of the one the
    /// transport gave, whose staging file the host may now delete.
    /// </summary>
    public void OnPersisted(long id, Snapshot? stored)
    {
        if (!_persisting.TryPeek(out var oldest) || oldest.Id != id)
            throw new InvalidOperationException($"storage reported request {id} durable, but the oldest one under way is {(_persisting.Count > 0 ? oldest.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}");
        _persisting.Dequeue();
        foreach (var ready in oldest.Readies) Durable(ready);
        if (stored is not null) _raft.Compact(stored);
    }

    private void Durable(Ready ready)
    {
        foreach (var m in ready.MessagesAfterPersist)
        {
            TellOutgoing(m);
            _peers.Send(m);
        }
        _raft.Persisted(ready);
    }

    private void InstallSnapshot(Snapshot snapshot)
    {
        RestoreStateMachine(snapshot);
        _applied?.Restored(snapshot.Metadata);
        _lastSnapshotIndex = snapshot.Metadata.Index;
        _logBytesSinceSnapshot = 0;
        FailWritesUpTo(snapshot.Metadata.Index);
        _log.LogInformation("Installed snapshot at index {Index} term {Term} from the leader", snapshot.Metadata.Index, snapshot.Metadata.Term);
    }

    /// <summary>
    /// Rebuilds the state machine from a snapshot's data, streamed from wherever the host keeps it (a file, in a node)
    /// through a bounded buffer: the snapshot is never whole in memory, only the state built from it is. This reads
    /// the data on the loop, through the handle the host gave (<see cref="ISnapshotData"/>): a node restoring a
    /// snapshot has nothing else to serve until it has.
    /// </summary>
    private void RestoreStateMachine(Snapshot snapshot)
    {
        using var data = snapshot.Data.OpenRead();
        _kv.Restore(data, snapshot.Data.Length);
    }

    /// <summary>
    /// Log compaction (Raft §7), in two steps so that the loop never serialises the state (issue 9). Here, once
    /// <see cref="ReplicaOptions.SnapshotEntries"/> entries or <see cref="ReplicaOptions.SnapshotLogBytes"/> bytes of
    /// commands were applied since the last snapshot, the state machine is frozen as it is now
    /// (<see cref="KvStateMachine.Capture"/>: references, not bytes) and handed to the storage writer, which serialises
    /// it, stores it and compacts the log on disk; <see cref="OnCompacted"/> then compacts the core's log. Only durable
    /// entries are compacted, one compaction runs at a time, and the writer does it after the writes requested before it.
    /// </summary>
    private void MaybeCompact()
    {
        if (_compacting is not null || _ticks < _compactionRetryAt) return;
        var applied = _raft.AppliedIndex;
        var due = _compactionFailed || applied - _lastSnapshotIndex >= _options.SnapshotEntries ||
                  (applied > _lastSnapshotIndex && _logBytesSinceSnapshot >= _options.SnapshotLogBytes);
        if (!due || applied > _raft.StabledIndex) return;
        var metadata = _raft.AppliedSnapshotMetadata();
        var view = _kv.Capture();
        var id = ++_nextStorageRequest;
        _compacting = id;
        _lastSnapshotIndex = metadata.Index;
        _logBytesSinceSnapshot = 0;
        _storage.Compact(new CompactRequest(id, _unsavedHardState, metadata, view));
        _unsavedHardState = null;
    }

    /// <summary>
    /// The storage writer finished compaction request <paramref name="id"/>: <paramref name="stored"/> is the snapshot,
    /// now durable, and only now does the core drop the log it covers (and send it to followers that fell behind).
    /// Null when it could not be stored (disk full): the log, on disk and in memory, is whole and nothing is lost; the
    /// replica tries again a little later.
    /// </summary>
    public void OnCompacted(long id, Snapshot? stored)
    {
        if (_compacting != id)
            throw new InvalidOperationException($"storage reported compaction {id}, but the replica waits for {_compacting?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
        _compacting = null;
        if (stored is not null)
        {
            _compactionFailed = false;
            _raft.Compact(stored);
            _log.LogInformation("Snapshot at index {Index} stored; log compacted", stored.Metadata.Index);
            return;
        }
        _log.LogWarning("Snapshot at index {Index} could not be stored; the log on disk stays whole, retrying in {Ticks} ticks", _lastSnapshotIndex, _options.CompactionRetryTicks);
        _compactionRetryAt = _ticks + _options.CompactionRetryTicks;
        _compactionFailed = true;
    }
}
