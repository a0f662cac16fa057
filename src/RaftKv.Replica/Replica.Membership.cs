using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Protocol;
using RaftKv.Replica.Io;

namespace RaftKv.Replica;

// Runtime membership (thesis §4): the operator's member and transfer-leader requests, and the address book that
// follows the configuration the core has applied. servers.txt is only the bootstrap: once a configuration is
// committed, its addresses win. The host reads PeerAddresses after each Flush and points the transport at them.
public sealed partial class Replica
{
    /// <summary>A transferLeader request waiting until the target leads (or the deadline, in ticks, passes).</summary>
    private readonly record struct PendingTransfer(int Target, long Deadline, IClientCall Call);

    private readonly List<PendingTransfer> _transfers = [];
    private ClusterConfig? _appliedConfig;
    private bool _removedLogged;
    private ImmutableDictionary<int, string> _addressBook = ImmutableDictionary<int, string>.Empty;

    /// <summary>Every known member's address: the bootstrap list and join hints, overlaid by the applied configuration.</summary>
    public ImmutableDictionary<int, string> AddressBook => _addressBook;

    /// <summary>The peers this node should have links to (members of its configuration, with their addresses); replaced when the configuration changes.</summary>
    public IReadOnlyDictionary<int, string> PeerAddresses { get; private set; } = ImmutableDictionary<int, string>.Empty;

    private void InitAddressBook()
    {
        var book = ImmutableDictionary.CreateBuilder<int, string>();
        for (var i = 0; i < _options.Servers.Count; i++) book[i] = _options.Servers[i];
        foreach (var (id, address) in _options.KnownPeers) book[id] = address;
        if (_options.Address is { } own) book[Id] = own;
        _addressBook = book.ToImmutable();
        FollowConfiguration();
    }

    /// <summary>After each Flush: when the applied configuration changed, update the addresses and peers, and say what it means for us.</summary>
    private void FollowConfiguration()
    {
        var config = _raft.Config;
        if (config == _appliedConfig) return;
        var wasMember = _appliedConfig?.Contains(Id) ?? false;
        _appliedConfig = config;

        var book = _addressBook.ToBuilder();
        foreach (var (id, address) in config.Addresses) book[id] = address;
        _addressBook = book.ToImmutable();

        // The peer set is the configuration's members; a node outside its configuration (joining, or removed) also
        // keeps every address it knows, so it can answer whichever leader contacts it.
        var peers = new Dictionary<int, string>();
        foreach (var id in config.Members)
            if (_addressBook.TryGetValue(id, out var address)) peers[id] = address;
        if (!config.Contains(Id))
            foreach (var (id, address) in _addressBook) peers.TryAdd(id, address);
        peers.Remove(Id);
        PeerAddresses = peers.ToImmutableDictionary();

        if (config.Contains(Id))
        {
            _removedLogged = false;
        }
        else if (wasMember && !_removedLogged)
        {
            _removedLogged = true;
            _log.LogWarning(
                "This node ({Id}) was removed from the cluster; it no longer serves, and campaigns only while it holds log entries not known to be committed, to hand them over (it still answers vote requests: a member that missed its removal may need its vote) (membership is now {Config}). " +
                "Stop it; to bring it back, add it again with a fresh data directory",
                Id, config);
        }
    }

    private static bool IsMembership(ClientOp op) =>
        op is ClientOp.MemberList or ClientOp.MemberAdd or ClientOp.MemberPromote or ClientOp.MemberRemove or ClientOp.TransferLeader;

    /// <summary>A membership request on the leader (Submit routed it here after NeedsLeader).</summary>
    private void HandleMembership(IClientCall call)
    {
        var request = call.Request;
        var nodeId = request.NodeId ?? NodeIds.None;
        var config = _raft.Config;
        switch (request.Op)
        {
            case ClientOp.MemberList:
                call.Complete(Respond(request, ClientStatus.Ok) with { Members = BuildMembers(withProgress: true) });
                return;

            case ClientOp.MemberAdd when config.IsLearner(nodeId) && config.AddressOf(nodeId) == request.Address:
            case ClientOp.MemberPromote when config.IsVoter(nodeId):
                // A retry of a change that already took effect.
                call.Complete(Respond(request, ClientStatus.Ok) with { Members = BuildMembers(withProgress: false) });
                return;

            case ClientOp.MemberAdd when config.Contains(nodeId):
                call.Complete(Respond(request, ClientStatus.BadRequest) with
                {
                    Error = $"node {nodeId} is already a member ({(config.IsVoter(nodeId) ? "voter" : "learner")} at {config.AddressOf(nodeId) ?? "no address"}); remove it first to change its address",
                });
                return;

            case ClientOp.MemberAdd when config.Members.FirstOrDefault(id => AddressOf(id) == request.Address, NodeIds.None) is var taken && taken != NodeIds.None:
                call.Complete(Respond(request, ClientStatus.BadRequest) with { Error = $"address {request.Address} belongs to member {taken}" });
                return;

            case ClientOp.MemberPromote when !config.IsLearner(nodeId):
                call.Complete(Respond(request, ClientStatus.BadRequest) with { Error = $"node {nodeId} is not a learner; add it with member add first" });
                return;

            case ClientOp.MemberPromote when LearnerLag(nodeId) is { } lag:
                call.Complete(Respond(request, ClientStatus.Unavailable) with { Error = lag });
                return;

            case ClientOp.MemberRemove when !config.Contains(nodeId):
                call.Complete(Respond(request, ClientStatus.NotFound) with { Error = $"node {nodeId} is not a member" });
                return;

            case ClientOp.MemberRemove when nodeId == Id:
                // The leader is removed by its successor: hand over first, so the cluster is never without a leader
                // while the removal commits. The client follows the hint and asks the new leader.
                MoveLeadershipAway(call);
                return;

            case ClientOp.TransferLeader:
                BeginTransfer(call, nodeId);
                return;
        }

        var change = request.Op switch
        {
            ClientOp.MemberAdd => new ConfigChange(ConfigChangeType.AddLearner, nodeId, request.Address),
            ClientOp.MemberPromote => new ConfigChange(ConfigChangeType.PromoteToVoter, nodeId),
            _ => new ConfigChange(ConfigChangeType.Remove, nodeId),
        };
        ProposeResult result;
        long index;
        try
        {
            result = _raft.ProposeConfigChange(change, out index);
        }
        catch (ArgumentException e)
        {
            call.Complete(Respond(request, ClientStatus.BadRequest) with { Error = e.Message });
            return;
        }
        switch (result)
        {
            case ProposeResult.Accepted:
                _log.LogInformation("Proposed membership change: {Change} at index {Index}", Describe(change), index);
                _writes[index] = new PendingWrite(_raft.Term, call);
                break;
            case ProposeResult.ConfigChangePending:
                call.Complete(Respond(request, ClientStatus.Unavailable) with { Error = "another membership change is still being applied; retry" });
                break;
            case ProposeResult.TransferInProgress:
                call.Complete(Respond(request, ClientStatus.NotLeader, _raft.TransferTarget) with { Error = $"leadership is moving to node {_raft.TransferTarget}" });
                break;
            default:
                call.Complete(Respond(request, ClientStatus.NotLeader) with { Error = "not the leader" });
                break;
        }
    }

    private static string Describe(ConfigChange change) => change.Type switch
    {
        ConfigChangeType.AddLearner => $"add learner {change.NodeId} at {change.Address}",
        ConfigChangeType.PromoteToVoter => $"promote {change.NodeId} to voter",
        _ => $"remove {change.NodeId}",
    };

    /// <summary>Why learner <paramref name="nodeId"/> may not be promoted yet, or null when it has caught up (<see cref="MemberView.MaxPromoteLag"/>).</summary>
    private string? LearnerLag(int nodeId)
    {
        if (!_raft.Progress.TryGetValue(nodeId, out var pr) || pr.Match == 0)
            return $"learner {nodeId} has not acknowledged any entry yet (is it running, started with --join?)";
        var lag = _raft.LastIndex - pr.Match;
        if (lag > MemberView.MaxPromoteLag)
            return $"learner {nodeId} has not caught up: it has index {pr.Match} of {_raft.LastIndex} ({lag} behind; promotion needs at most {MemberView.MaxPromoteLag})";
        if (!pr.RecentActive) return $"learner {nodeId} has not answered within the last election timeout";
        return null;
    }

    private void MoveLeadershipAway(IClientCall call)
    {
        var target = _raft.MostUpToDateFollower();
        if (target == NodeIds.None || !TransferLeadership(target))
        {
            call.Complete(Respond(call.Request, ClientStatus.BadRequest) with { Error = $"node {Id} is the only voter; it cannot be removed" });
            return;
        }
        NoteHandover(target, "which will remove this node (a member remove of the leader)");
        _log.LogInformation("Asked to remove this node, the leader: handing leadership to node {Target} first", target);
        call.Complete(Respond(call.Request, ClientStatus.NotLeader, target) with
        {
            Error = $"node {Id} leads; leadership is moving to node {target}, which will remove it: retry there",
        });
    }

    private void BeginTransfer(IClientCall call, int target)
    {
        if (target == Id)
        {
            call.Complete(Respond(call.Request, ClientStatus.Ok));
            return;
        }
        if (!TransferLeadership(target))
        {
            call.Complete(Respond(call.Request, ClientStatus.BadRequest) with { Error = $"node {target} is not a voter; leadership can only move to a voter" });
            return;
        }
        _log.LogInformation("Handing leadership to node {Target} on request", target);
        _transfers.Add(new PendingTransfer(target, _ticks + 2L * _options.Raft.ElectionTicks, call));
    }

    /// <summary>Each tick and flush: answer transfers whose target now leads, or whose time ran out.</summary>
    private void SettleTransfers()
    {
        for (var i = _transfers.Count - 1; i >= 0; i--)
        {
            var t = _transfers[i];
            if (_raft.LeaderId == t.Target)
                t.Call.Complete(Respond(t.Call.Request, ClientStatus.Ok, t.Target));
            else if (_ticks >= t.Deadline || _stopped)
                t.Call.Complete(Respond(t.Call.Request, ClientStatus.Unavailable) with
                {
                    Error = $"node {t.Target} did not take over within two election timeouts (is it caught up and reachable?)",
                });
            else continue;
            _transfers.RemoveAt(i);
        }
    }

    private MemberView[] BuildMembers(bool withProgress)
    {
        var config = _raft.Config;
        var leading = _raft.Role == Role.Leader;
        return config.Members.Order().Select(id =>
        {
            var view = new MemberView
            {
                Id = id,
                Address = config.AddressOf(id) ?? AddressOf(id),
                Role = config.IsVoter(id) ? "voter" : "learner",
                IsLeader = id == _raft.LeaderId,
            };
            if (!withProgress || !leading) return view;
            if (id == Id) return view with { Reachable = true, Match = _raft.LastIndex, Lag = 0 };
            var known = _raft.Progress.TryGetValue(id, out var pr);
            var match = known ? pr!.Match : 0;
            return view with
            {
                Reachable = known && pr!.RecentActive && match > 0,
                Match = match,
                Lag = _raft.LastIndex - match,
            };
        }).ToArray();
    }
}
