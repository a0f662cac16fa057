namespace RaftKv.Host.Http;

/// <summary>One member as the dashboard shows it: its own status answer, or why it did not answer.</summary>
/// <param name="Lag">Entries the member has applied fewer than the leader has committed; null without a leader's answer.</param>
public sealed record MemberState(
    int Id,
    string Address,
    bool Self,
    bool Reachable,
    string? Role,
    long? Term,
    int? LeaderId,
    long? CommitIndex,
    long? AppliedIndex,
    long? LastIndex,
    long? Lag,
    string? Error);
