using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Node.Events;
using RaftKv.Protocol;

namespace RaftKv.Node;

// Runtime membership (thesis §4): the operator's member and transfer-leader requests, and keeping the
// address book and the transport's peer set in step with the configuration the core has applied.
// servers.txt is only the bootstrap: once a configuration is committed, its addresses win.
public sealed partial class RaftNode
{
    /// <summary>A transferLeader request waiting until the target leads (or the deadline passes).</summary>
    private readonly record struct PendingTransfer(int Target, long DeadlineTick, ClientEvent Event);

    private readonly List<PendingTransfer> _transfers = [];
    private long _ticks;
    private ClusterConfig? _appliedConfig;
    private bool _removedLogged;

    /// <summary>Every known member's address: the bootstrap list and join hints, overlaid by the applied configuration.</summary>
    private volatile ImmutableDictionary<int, string> _addressBook = ImmutableDictionary<int, string>.Empty;

    private static ImmutableDictionary<int, string> BootstrapAddresses(NodeOptions options)
    {
        var book = ImmutableDictionary.CreateBuilder<int, string>();
        for (var i = 0; i < options.Servers.Count; i++) book[i] = options.Servers[i];
        foreach (var (id, address) in options.KnownPeers) book[id] = address;
        book[options.Id] = options.AdvertisedAddress;
        return book.ToImmutable();
    }

    /// <summary>Logs, once at start, where servers.txt and the committed configuration disagree (the configuration wins).</summary>
    private void WarnIfServersFileDisagrees()
    {
        var config = _raft.Config;
        var bootstrap = ClusterConfig.OfAddresses(_options.Servers);
        if (config.Voters.AsSpan().SequenceEqual(bootstrap.Voters) && config.Learners.Length == 0 &&
            config.Addresses.All(a => bootstrap.AddressOf(a.Key) == a.Value))
            return;
        _log.LogWarning(
            "servers.txt lists {Servers} but the committed configuration is {Config}; the committed configuration wins (servers.txt is only the bootstrap)",
            bootstrap, config);
    }

    /// <summary>After each Ready: when the applied configuration changed, update addresses, peers, and say what it means for us.</summary>
    private void FollowConfiguration()
    {
        var config = _raft.Config;
        if (config == _appliedConfig) return;
        var wasMember = _appliedConfig?.Contains(Id) ?? false;
        _appliedConfig = config;

        var book = _addressBook.ToBuilder();
        foreach (var (id, address) in config.Addresses) book[id] = address;
        _addressBook = book.ToImmutable();

        // The peer set is the configuration's members; a node outside its configuration (joining, or removed)
        // also keeps every address it knows, so it can answer whichever leader contacts it.
        var peers = new Dictionary<int, string>();
        foreach (var id in config.Members)
            if (_addressBook.TryGetValue(id, out var address)) peers[id] = address;
        if (!config.Contains(Id))
            foreach (var (id, address) in _addressBook) peers.TryAdd(id, address);
        peers.Remove(Id);
        _peers.UpdatePeers(peers);

        if (config.Contains(Id))
        {
            _removedLogged = false;
        }
        else if (wasMember && !_removedLogged)
        {
            _removedLogged = true;
            _log.LogWarning(
                "this node ({Id}) was removed from the cluster; it no longer votes, campaigns or serves (membership is now {Config}). " +
                "Stop it; to bring it back, add it again with a fresh data directory",
                Id, config);
        }
    }

    private void HandleMembership(ClientEvent c)
    {
        var request = c.Request;
        if (_raft.Role != Role.Leader)
        {
            c.Done.TrySetResult(Respond(request, ClientStatus.NotLeader) with { Error = $"node {Id} is not the leader" });
            return;
        }
        var nodeId = request.NodeId ?? NodeIds.None;
        var config = _raft.Config;
        switch (request.Op)
        {
            case ClientOp.MemberList:
                c.Done.TrySetResult(Respond(request, ClientStatus.Ok) with { Members = BuildMembers(withProgress: true) });
                return;

            case ClientOp.MemberAdd when config.IsLearner(nodeId) && config.AddressOf(nodeId) == request.Address:
            case ClientOp.MemberPromote when config.IsVoter(nodeId):
                // A retry of a change that already took effect.
                c.Done.TrySetResult(Respond(request, ClientStatus.Ok) with { Members = BuildMembers(withProgress: false) });
                return;

            case ClientOp.MemberAdd when config.Contains(nodeId):
                c.Done.TrySetResult(Respond(request, ClientStatus.BadRequest) with
                {
                    Error = $"node {nodeId} is already a member ({(config.IsVoter(nodeId) ? "voter" : "learner")} at {config.AddressOf(nodeId) ?? "no address"}); remove it first to change its address",
                });
                return;

            case ClientOp.MemberAdd when _addressBook.FirstOrDefault(a => a.Value == request.Address && config.Contains(a.Key)) is { Value: not null } taken:
                c.Done.TrySetResult(Respond(request, ClientStatus.BadRequest) with { Error = $"address {request.Address} belongs to member {taken.Key}" });
                return;

            case ClientOp.MemberPromote when !config.IsLearner(nodeId):
                c.Done.TrySetResult(Respond(request, ClientStatus.BadRequest) with { Error = $"node {nodeId} is not a learner; add it with member add first" });
                return;

            case ClientOp.MemberPromote when LearnerLag(nodeId) is { } lag:
                c.Done.TrySetResult(Respond(request, ClientStatus.Unavailable) with { Error = lag });
                return;

            case ClientOp.MemberRemove when !config.Contains(nodeId):
                c.Done.TrySetResult(Respond(request, ClientStatus.NotFound) with { Error = $"node {nodeId} is not a member" });
                return;

            case ClientOp.MemberRemove when nodeId == Id:
                // The leader is removed by its successor: hand over first, so the cluster is never without a
                // leader while the removal commits. The client follows the hint and asks the new leader.
                MoveLeadershipAway(c);
                return;

            case ClientOp.TransferLeader:
                BeginTransfer(c, nodeId);
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
            c.Done.TrySetResult(Respond(request, ClientStatus.BadRequest) with { Error = e.Message });
            return;
        }
        switch (result)
        {
            case ProposeResult.Accepted:
                _log.LogInformation("proposed membership change: {Change} at index {Index}", Describe(change), index);
                _writes[index] = new PendingWrite(_raft.Term, c);
                break;
            case ProposeResult.ConfigChangePending:
                c.Done.TrySetResult(Respond(request, ClientStatus.Unavailable) with { Error = "another membership change is still being applied; retry" });
                break;
            case ProposeResult.TransferInProgress:
                c.Done.TrySetResult(Respond(request, ClientStatus.NotLeader, _raft.TransferTarget) with { Error = $"leadership is moving to node {_raft.TransferTarget}" });
                break;
            default:
                c.Done.TrySetResult(Respond(request, ClientStatus.NotLeader) with { Error = "not the leader" });
                break;
        }
    }

    private static string Describe(ConfigChange change) => change.Type switch
    {
        ConfigChangeType.AddLearner => $"add learner {change.NodeId} at {change.Address}",
        ConfigChangeType.PromoteToVoter => $"promote {change.NodeId} to voter",
        _ => $"remove {change.NodeId}",
    };

    /// <summary>Why learner <paramref name="nodeId"/> may not be promoted yet, or null when it has caught up.</summary>
    private string? LearnerLag(int nodeId)
    {
        if (!_raft.Progress.TryGetValue(nodeId, out var pr)) return $"learner {nodeId} has not been heard from yet";
        var lag = _raft.LastIndex - pr.Match;
        if (lag > MemberView.MaxPromoteLag)
            return $"learner {nodeId} has not caught up: it has index {pr.Match} of {_raft.LastIndex} ({lag} behind; promotion needs at most {MemberView.MaxPromoteLag})";
        if (!pr.RecentActive && !_peers.IsConnected(nodeId)) return $"learner {nodeId} is not answering";
        return null;
    }

    private void MoveLeadershipAway(ClientEvent c)
    {
        var target = _raft.MostUpToDateFollower();
        if (target == NodeIds.None)
        {
            c.Done.TrySetResult(Respond(c.Request, ClientStatus.BadRequest) with { Error = $"node {Id} is the only voter; it cannot be removed" });
            return;
        }
        _raft.TransferLeadership(target);
        _log.LogInformation("asked to remove this node, the leader: handing leadership to node {Target} first", target);
        c.Done.TrySetResult(Respond(c.Request, ClientStatus.NotLeader, target) with
        {
            Error = $"node {Id} leads; leadership is moving to node {target}, which will remove it: retry there",
        });
    }

    private void BeginTransfer(ClientEvent c, int target)
    {
        if (target == Id)
        {
            c.Done.TrySetResult(Respond(c.Request, ClientStatus.Ok) with { Error = null });
            return;
        }
        if (!_raft.TransferLeadership(target))
        {
            c.Done.TrySetResult(Respond(c.Request, ClientStatus.BadRequest) with { Error = $"node {target} is not a voter; leadership can only move to a voter" });
            return;
        }
        _log.LogInformation("transferring leadership to node {Target} on request", target);
        _transfers.Add(new PendingTransfer(target, _ticks + 2L * _options.ElectionTicks, c));
    }

    /// <summary>Each tick and role change: answer transfers whose target now leads, or whose time ran out.</summary>
    private void SettleTransfers()
    {
        for (var i = _transfers.Count - 1; i >= 0; i--)
        {
            var t = _transfers[i];
            if (_raft.LeaderId == t.Target)
                t.Event.Done.TrySetResult(Respond(t.Event.Request, ClientStatus.Ok, t.Target));
            else if (_ticks >= t.DeadlineTick)
                t.Event.Done.TrySetResult(Respond(t.Event.Request, ClientStatus.Unavailable) with
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
                Address = config.AddressOf(id) ?? _addressBook.GetValueOrDefault(id),
                Role = config.IsVoter(id) ? "voter" : "learner",
                IsLeader = id == _raft.LeaderId,
            };
            if (!withProgress || !leading) return view;
            if (id == Id) return view with { Reachable = true, Match = _raft.LastIndex, Lag = 0 };
            var known = _raft.Progress.TryGetValue(id, out var pr);
            return view with
            {
                Reachable = _peers.IsConnected(id),
                Match = known ? pr!.Match : 0,
                Lag = _raft.LastIndex - (known ? pr!.Match : 0),
            };
        }).ToArray();
    }
}
