namespace RaftKv.Host.Http;

/// <summary>One member as the dashboard shows it: its own status answer, or why it did not answer.</summary>
/// <param name="Match">The highest index the leader knows is replicated on the member (memberList's match); null without the leader's answer.</param>
/// <param name="Lag">How many entries the member is behind the leader's last index (memberList's lag; 0 for the leader); null without the leader's answer.</param>
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
    long? Match,
    long? Lag,
    string? Error);
