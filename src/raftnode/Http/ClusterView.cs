using RaftKv.Host.Logging;

namespace RaftKv.Host.Http;

/// <summary>Everything the dashboard draws, in one answer of <c>GET /api/cluster</c>.</summary>
/// <param name="Self">The id of the node serving the page.</param>
/// <param name="Leader">The leader according to the members that answered (the highest term wins), or null.</param>
/// <param name="ActionsAllowed">Whether this server accepts actions and writes (loopback only until TLS exists).</param>
/// <param name="ActionsNote">Why actions are or are not allowed, shown on the page.</param>
public sealed record ClusterView(
    int Self,
    DateTimeOffset At,
    IReadOnlyList<MemberState> Members,
    int? Leader,
    IReadOnlyList<TimelineEvent> Timeline,
    IReadOnlyList<LogLine> Log,
    bool ActionsAllowed,
    string ActionsNote);
