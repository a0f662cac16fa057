using RaftKv.Core;
using RaftKv.Replica.Io;
using RaftKv.StateMachine;

namespace RaftKv.Replica;

// Backups (raftctl snapshot save): the leader's state, frozen once a ReadIndex round confirmed it still leads and it
// applied everything committed before the request, for the host to stream. Batched with the reads' rounds.
public sealed partial class Replica
{
    private readonly List<IBackupCall> _backupBatch = [];
    private readonly Dictionary<long, List<IBackupCall>> _backupsByContext = [];
    private readonly List<(long Index, List<IBackupCall> Calls)> _backupsAwaitingApply = [];

    /// <summary>
    /// Asks for the state to back up. A linearizable read of the whole state: like a read, it goes through ReadIndex
    /// (docs/PROTOCOL.md "snapshot"): the leader confirms with a majority that it still leads, waits until it has
    /// applied through the commit index of that moment, and only then freezes the state
    /// (<see cref="KvStateMachine.Capture"/>: references, not bytes). So a backup holds every write acknowledged
    /// before it was asked for, even on a leader that a partition has just deposed without its knowing; that one
    /// answers null (not the leader) instead of a stale state. Answered null at once unless this replica leads.
    /// </summary>
    public void RequestBackup(IBackupCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (_raft.Role != Role.Leader || _shuttingDown || _stopped)
        {
            call.Complete(null);
            return;
        }
        _backupBatch.Add(call);
    }

    /// <summary>Backups that arrived since the last turn share one ReadIndex round.</summary>
    private void StartBackups()
    {
        if (_backupBatch.Count == 0) return;
        var context = ++_nextReadContext;
        if (_raft.ReadIndex(context)) _backupsByContext[context] = [.. _backupBatch];
        else foreach (var call in _backupBatch) call.Complete(null);
        _backupBatch.Clear();
    }

    /// <summary>True when the read state was a backup's round (it then waits for the apply).</summary>
    private bool OnBackupReadState(ReadState rs)
    {
        if (!_backupsByContext.Remove(rs.Context, out var calls)) return false;
        _backupsAwaitingApply.Add((rs.Index, calls));
        return true;
    }

    private void ServeBackupsUpTo(long applied)
    {
        for (var i = 0; i < _backupsAwaitingApply.Count;)
        {
            var (index, calls) = _backupsAwaitingApply[i];
            if (index > applied)
            {
                i++;
                continue;
            }
            var capture = (_raft.AppliedSnapshotMetadata(), _kv.Capture());
            foreach (var call in calls) call.Complete(capture);
            _backupsAwaitingApply.RemoveAt(i);
        }
    }

    /// <summary>Leadership lost or the node stopping: waiting backups are answered null (the client retries at the leader).</summary>
    private void FailBackups()
    {
        foreach (var call in _backupBatch.Concat(_backupsByContext.Values.SelectMany(c => c)).Concat(_backupsAwaitingApply.SelectMany(c => c.Calls)))
            call.Complete(null);
        _backupBatch.Clear();
        _backupsByContext.Clear();
        _backupsAwaitingApply.Clear();
    }
}
