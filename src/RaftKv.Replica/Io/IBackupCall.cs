using RaftKv.Core;
using RaftKv.StateMachine;

namespace RaftKv.Replica.Io;

/// <summary>A backup (raftctl snapshot save) waiting for the leader's state, and the way back to the host that streams it.</summary>
public interface IBackupCall
{
    /// <summary>
    /// The state frozen at a point that includes every write acknowledged before the backup was asked for, with the
    /// metadata a snapshot of it carries; null when this node does not lead (or lost leadership, or is stopping) before
    /// it could confirm that. Called once.
    /// </summary>
    void Complete((SnapshotMetadata Metadata, KvSnapshotView View)? capture);
}
