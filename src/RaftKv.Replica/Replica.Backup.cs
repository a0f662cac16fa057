using RaftKv.Core;
using RaftKv.StateMachine;

namespace RaftKv.Replica;

// Backups (raftctl snapshot save): the leader's state, frozen as applied, for the host to serialise and stream.
public sealed partial class Replica
{
    /// <summary>
    /// The state machine frozen as applied right now, with the metadata a snapshot of it carries, for a backup; null
    /// unless this replica leads (and is not on its way out). On the leader every write it acknowledged is applied, so
    /// the backup holds each of them. Costs what <see cref="KvStateMachine.Capture"/> costs: references, not bytes.
    /// </summary>
    public (SnapshotMetadata Metadata, KvSnapshotView View)? CaptureBackup() =>
        _raft.Role == Role.Leader && !_shuttingDown && !_stopped ? (_raft.AppliedSnapshotMetadata(), _kv.Capture()) : null;
}
