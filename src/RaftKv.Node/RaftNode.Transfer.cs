using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Node.Events;

namespace RaftKv.Node;

// Leadership transfer on an operator's request (thesis §3.10; the core does the work). Until the client protocol
// has a transferLeader op, the dashboard calls this directly on the node it is served by.
public sealed partial class RaftNode
{
    /// <summary>
    /// Asks this node, if it leads, to hand leadership to <paramref name="target"/>. Returns null once the
    /// transfer has started (the new leader shows in the view when it completes), else the reason it cannot.
    /// </summary>
    public async Task<string?> TransferLeadershipAsync(int target, CancellationToken cancellationToken)
    {
        if (target < 0) return $"node {target} is not a member (node ids are never negative)";
        var e = new TransferLeadershipEvent(target);
        if (!_control.Writer.TryWrite(e)) return "the node is shutting down";
        return await e.Started.Task.WaitAsync(_options.RequestTimeout, cancellationToken);
    }

    private void HandleTransfer(TransferLeadershipEvent e)
    {
        string? refusal = null;
        var core = _replica.Core;
        if (core.Role != Role.Leader)
            refusal = core.LeaderId == NodeIds.None ? $"node {Id} is not the leader and knows none" : $"node {Id} is not the leader; node {core.LeaderId} is";
        else if (e.Target == Id)
            refusal = $"node {Id} already leads";
        else if (!_replica.TransferLeadership(e.Target))
            refusal = $"node {e.Target} is not a voter";
        if (refusal is null) _log.LogInformation("Handing leadership to node {Target} on an operator's request", e.Target);
        e.Started.TrySetResult(refusal);
    }
}
