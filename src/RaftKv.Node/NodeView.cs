using RaftKv.Core;

namespace RaftKv.Node;

/// <summary>
/// An immutable picture of the node's role, published by the event loop after each batch so that
/// connection handlers can answer "not leader" without entering the loop (no locks: one reference swap).
/// </summary>
public sealed record NodeView(Role Role, long Term, int LeaderId, bool DiskFull, bool ShuttingDown)
{
    public static readonly NodeView Initial = new(Role.Follower, 0, NodeIds.None, false, false);
}
