namespace RaftKv.Core;

/// <summary>
/// The state Raft requires on stable storage before a node answers any RPC (Raft Figure 2:
/// currentTerm and votedFor), plus the commit index, which lets a restarted node apply
/// committed entries without waiting for a leader.
/// </summary>
public readonly record struct HardState(long Term, int Vote, long Commit)
{
    public static readonly HardState Empty = new(0, NodeIds.None, 0);
}
