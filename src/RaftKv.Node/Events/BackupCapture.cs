using RaftKv.Core;
using RaftKv.StateMachine;

namespace RaftKv.Node.Events;

/// <summary>
/// A backup wants the leader's state frozen (<see cref="Replica.Replica.RequestBackup"/>: after a ReadIndex round); null
/// when this node does not lead.
/// </summary>
public sealed class BackupCapture : NodeEvent, Replica.Io.IBackupCall
{
    private readonly TaskCompletionSource<(SnapshotMetadata Metadata, KvSnapshotView View)?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<(SnapshotMetadata Metadata, KvSnapshotView View)?> Done => _done.Task;

    public void Complete((SnapshotMetadata Metadata, KvSnapshotView View)? capture) => _done.TrySetResult(capture);
}
