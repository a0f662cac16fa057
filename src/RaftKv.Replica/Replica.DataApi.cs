using RaftKv.Core;
using RaftKv.Protocol;
using RaftKv.StateMachine;

namespace RaftKv.Replica;

// The data API's leader duties and watches: the lease countdown (only the leader counts; expiry is a revoke
// committed through the log) and the watchers fed after every applied batch.
public sealed partial class Replica
{
    private readonly LeaseClock _leases;
    private readonly WatcherSet _watchers = new();
    private long _leaseVersionSeen = -1;

    /// <summary>
    /// Starts a watch (any node serves one, from its own applied state): caught up from the event history, then fed
    /// after each applied batch, through <paramref name="watcher"/>'s queue. A watch from before the history is
    /// answered Compacted at once.
    /// </summary>
    public void Watch(Watcher watcher)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        if (_stopped)
        {
            watcher.End(WatchHeader() with { Status = ClientStatus.WatchCanceled, Error = "watch canceled: the node is shutting down" });
            return;
        }
        _watchers.Add(watcher, _kv, WatchHeader());
    }

    /// <summary>Watches running on this replica.</summary>
    public int WatchCount => _watchers.Count;

    private void AfterApply()
    {
        if (_leases.Running && _kv.LeaseVersion != _leaseVersionSeen)
        {
            _leases.Sync(_kv.LeaseTtls);
            _leaseVersionSeen = _kv.LeaseVersion;
        }
        _watchers.Pump(_kv, WatchHeader());
    }

    /// <summary>Each tick: the leader proposes the revoke of every lease whose time is up (once; again only if refused).</summary>
    private void LeaseTick()
    {
        _leases.Tick();
        if (!_leases.Running || _shuttingDown) return;
        foreach (var id in _leases.Expired())
        {
            var command = KvCommandCodec.Encode(new KvCommand { Op = KvOp.LeaseRevoke, Lease = id });
            if (_raft.Propose(command, out _) != ProposeResult.Accepted) return;
            _leases.RevokeProposed(id);
        }
    }

    private void LeaseRoleChanged(Role role)
    {
        if (role == Role.Leader)
        {
            // A new leader does not know when its predecessor last heard a keepalive: full TTL for every lease.
            _leases.StartLeading(_kv.LeaseTtls);
            _leaseVersionSeen = _kv.LeaseVersion;
        }
        else
        {
            _leases.StopLeading();
        }
    }

    private ClientResponse WatchHeader()
    {
        var leader = _raft.LeaderId;
        return new ClientResponse { LeaderId = leader == NodeIds.None ? null : leader, LeaderAddress = leader == NodeIds.None ? null : AddressOf(leader) };
    }

    /// <summary>keepalive, ttl and list: the leader answers from its countdown.</summary>
    private ClientResponse AnswerLease(ClientRequest request)
    {
        var header = Respond(request, ClientStatus.Ok) with { Revision = _kv.Revision };
        if (request.Op == ClientOp.LeaseList)
            return header with { Leases = [.. _kv.Leases.Select(l => LeaseView(l, includeKeys: false))] };

        var id = request.Lease!.Value;
        if (!_kv.TryGetLease(id, out var lease))
            return header with { Status = ClientStatus.NotFound, Error = $"lease {id} not found (expired or revoked)" };
        if (request.Op == ClientOp.LeaseKeepAlive && !_leases.KeepAlive(id, lease.TtlSeconds))
            return header with { Status = ClientStatus.NotFound, Error = $"lease {id} has expired" };
        return header with { Lease = LeaseView(lease, includeKeys: request.Op == ClientOp.LeaseTtl) };
    }

    private LeaseView LeaseView(LeaseInfo lease, bool includeKeys) => new()
    {
        Id = lease.Id,
        Ttl = lease.TtlSeconds,
        Remaining = _leases.Remaining(lease.Id),
        Keys = includeKeys ? [.. lease.Keys] : null,
    };
}
