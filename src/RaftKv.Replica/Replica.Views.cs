using System.Text.Json;
using Microsoft.Extensions.Logging;
using RaftKv.Core;
using RaftKv.Protocol;

namespace RaftKv.Replica;

// What the replica shows: the published view, the log lines of role changes, status and show-log answers.
public sealed partial class Replica
{
    /// <summary>Role, term or leader changed: one log line each, waiters of a lost leadership answered, shutdown handoff told.</summary>
    private void OnSoftStateChanged(SoftState soft)
    {
        var before = View;
        TellSoftState(before, soft);

        if (before.Role == Role.Leader && soft.Role != Role.Leader) FailWaitersOnLeadershipLoss(soft.LeaderId);
        if (soft.Role != before.Role) LeaseRoleChanged(soft.Role);
        View = before with { Role = soft.Role, Term = soft.Term, LeaderId = soft.LeaderId };
        if (_shutdown is not null && soft.Role != Role.Leader && soft.LeaderId != NodeIds.None)
        {
            _shutdown.Complete(soft.LeaderId);
            _shutdown = null;
        }
    }

    private void PublishView()
    {
        var v = View;
        var next = v with
        {
            Role = _raft.Role,
            Term = _raft.Term,
            LeaderId = _raft.LeaderId,
            DiskFull = _diskFull,
            ShuttingDown = _shuttingDown,
        };
        if (next != v) View = next;
    }

    private NodeStatus BuildStatus() => new()
    {
        Id = Id,
        Address = AddressOf(Id) ?? "",
        Role = _raft.Role.ToString().ToLowerInvariant(),
        Term = _raft.Term,
        LeaderId = _raft.LeaderId == NodeIds.None ? null : _raft.LeaderId,
        FirstIndex = _raft.FirstIndex,
        LastIndex = _raft.LastIndex,
        CommitIndex = _raft.CommitIndex,
        AppliedIndex = _kv.AppliedIndex,
        SnapshotIndex = _raft.FirstIndex - 1,
        Voters = _raft.Config.Voters,
        Learners = _raft.Config.Learners,
        ClusterId = _options.ClusterId,
        Members = BuildMembers(withProgress: false),
        BootstrapServers = [.. _options.Servers],
    };

    private LogEntryView[] BuildLog(long? from, int? limit)
    {
        var first = Math.Max(from ?? _raft.FirstIndex, _raft.FirstIndex);
        var count = Math.Clamp(limit ?? 1000, 1, 10_000);
        return _raft.Entries(first, first + count - 1).Select(e => new LogEntryView
        {
            Index = e.Index,
            Term = e.Term,
            Type = e.Type switch { EntryType.Command => "command", EntryType.NoOp => "noop", _ => "config" },
            Command = e.Type == EntryType.Command ? TryParseJson(e.Data) : null,
        }).ToArray();
    }

    private static JsonElement? TryParseJson(byte[] data)
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
