namespace RaftKv.Core;

/// <summary>A node's role. PreCandidate is the PreVote phase (thesis §9.6): the node asks before it disrupts anyone.</summary>
public enum Role
{
    Follower = 0,
    PreCandidate = 1,
    Candidate = 2,
    Leader = 3,
}
