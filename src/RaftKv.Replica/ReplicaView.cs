using RaftKv.Core;

namespace RaftKv.Replica;

/// <summary>
/// An immutable picture of the replica's role, published after each turn so that the host (connection handlers,
/// the dashboard) can read it without entering the loop: no locks, one reference swap.
/// </summary>
public sealed record ReplicaView(Role Role, long Term, int LeaderId, bool DiskFull, bool ShuttingDown)
{
    public static readonly ReplicaView Initial = new(Role.Follower, 0, NodeIds.None, false, false);
}
