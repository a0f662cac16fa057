using RaftKv.Core;
using RaftKv.Node.Events;
using RaftKv.Protocol;
using RaftKv.StateMachine;

namespace RaftKv.Node;

// The data API's hooks in the event loop: the leader's lease countdown and the watches. Kept apart from
// the loop so the loop itself only calls in at a few places.
public sealed partial class RaftNode
{
    private readonly WatcherSet _watchers = new();
    private LeaseClock? _leaseClockField;
    private long _leaseVersionSeen = -1;

    private LeaseClock LeaseClock => _leaseClockField ??= new LeaseClock(Math.Max(1, (int)Math.Round(TimeSpan.FromSeconds(1) / _options.TickInterval)));

    /// <summary>Called after each batch of applied entries.</summary>
    private void AfterApply()
    {
        if (LeaseClock.Running && _kv.LeaseVersion != _leaseVersionSeen)
        {
            LeaseClock.Sync(_kv.LeaseTtls);
            _leaseVersionSeen = _kv.LeaseVersion;
        }
        _watchers.Pump(_kv, WatchHeader());
    }

    /// <summary>Called on every tick: a leader proposes the revoke of each lease whose time is up.</summary>
    private void LeaseTick()
    {
        LeaseClock.Tick();
        if (!LeaseClock.Running) return;
        foreach (var id in LeaseClock.Expired())
        {
            var command = KvCommandCodec.Encode(new KvCommand { Op = KvOp.LeaseRevoke, Lease = id });
            if (_raft.Propose(command, out _) == ProposeResult.Accepted) LeaseClock.RevokeProposed(id);
        }
    }

    /// <summary>Called when the role changes.</summary>
    private void LeaseRoleChanged(Role role)
    {
        if (role == Role.Leader)
        {
            LeaseClock.StartLeading(_kv.LeaseTtls);
            _leaseVersionSeen = _kv.LeaseVersion;
        }
        else
        {
            LeaseClock.StopLeading();
        }
    }

    private void StartWatch(Watcher watcher) => _watchers.Add(watcher, _kv, WatchHeader());

    private ClientResponse WatchHeader() => new() { LeaderId = _view.LeaderId == NodeIds.None ? null : _view.LeaderId };

    /// <summary>keepalive, ttl and list: the leader answers from its countdown.</summary>
    private ClientResponse AnswerLease(ClientRequest request)
    {
        if (_raft.Role != Role.Leader) return Respond(request, ClientStatus.NotLeader) with { Error = "not the leader" };
        var header = Respond(request, ClientStatus.Ok) with { Revision = _kv.Revision };
        if (request.Op == ClientOp.LeaseList)
            return header with { Leases = [.. _kv.Leases.Select(l => LeaseView(l, includeKeys: false))] };

        var id = request.Lease!.Value;
        if (!_kv.TryGetLease(id, out var lease))
            return header with { Status = ClientStatus.NotFound, Error = $"lease {id} not found (expired or revoked)" };
        if (request.Op == ClientOp.LeaseKeepAlive && !LeaseClock.KeepAlive(id, lease.TtlSeconds))
            return header with { Status = ClientStatus.NotFound, Error = $"lease {id} has expired" };
        return header with { Lease = LeaseView(lease, includeKeys: request.Op == ClientOp.LeaseTtl) };
    }

    private LeaseView LeaseView(LeaseInfo lease, bool includeKeys) => new()
    {
        Id = lease.Id,
        Ttl = lease.TtlSeconds,
        Remaining = LeaseClock.Remaining(lease.Id),
        Keys = includeKeys ? [.. lease.Keys] : null,
    };
}
