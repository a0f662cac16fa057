namespace RaftKv.Core.Tracking;

/// <summary>How the leader is replicating to one follower (etcd's progress states).</summary>
public enum ProgressState
{
    /// <summary>Finding where the logs match: one AppendEntries at a time.</summary>
    Probe = 0,

    /// <summary>Logs match up to Match: stream entries, up to the inflight window, without waiting.</summary>
    Replicate = 1,

    /// <summary>The follower needs entries we compacted: a snapshot is on its way.</summary>
    Snapshot = 2,
}
