using Microsoft.Extensions.Logging;

namespace RaftKv.Replica;

/// <summary>
/// The lines that tell an election's story, one place for their wording (sentence case, the node id comes from
/// the logger's category): who campaigned, who voted for whom and why a vote was refused, who won, why a leader
/// stepped down, and when an election had no winner.
/// </summary>
internal static partial class ReplicaLog
{
    [LoggerMessage(100, LogLevel.Information, "Term {Term} began")]
    public static partial void TermBegan(ILogger logger, long term);

    [LoggerMessage(101, LogLevel.Information, "Became leader in term {Term}")]
    public static partial void BecameLeader(ILogger logger, long term);

    [LoggerMessage(102, LogLevel.Information, "Became candidate in term {Term}; requesting votes")]
    public static partial void BecameCandidate(ILogger logger, long term);

    [LoggerMessage(103, LogLevel.Information, "No leader heard; asking for pre-votes for term {Term}")]
    public static partial void PreVoting(ILogger logger, long term);

    [LoggerMessage(104, LogLevel.Information, "Became follower in term {Term}")]
    public static partial void BecameFollower(ILogger logger, long term);

    [LoggerMessage(105, LogLevel.Information, "Leader is node {Leader} ({Address}) in term {Term}")]
    public static partial void LeaderIs(ILogger logger, int leader, string? address, long term);

    [LoggerMessage(106, LogLevel.Information, "Stepped down as leader of term {Term}: {Reason}")]
    public static partial void SteppedDown(ILogger logger, long term, string reason);

    [LoggerMessage(107, LogLevel.Information, "No winner in the election for term {Term} (a split vote, or too few voters reachable); a new election follows after a random timeout")]
    public static partial void NoWinner(ILogger logger, long term);

    [LoggerMessage(108, LogLevel.Information, "Voted for node {Candidate} in term {Term}")]
    public static partial void Voted(ILogger logger, int candidate, long term);

    [LoggerMessage(109, LogLevel.Information, "Granted a pre-vote to node {Candidate} for term {Term}")]
    public static partial void PreVoted(ILogger logger, int candidate, long term);

    [LoggerMessage(110, LogLevel.Information, "Refused {Kind} to node {Candidate} for term {Term}: {Reason}")]
    public static partial void Refused(ILogger logger, string kind, int candidate, long term, string reason);

    [LoggerMessage(111, LogLevel.Information, "Node {Voter} refused its {Kind} for term {Term}")]
    public static partial void RefusedUs(ILogger logger, int voter, string kind, long term);

    [LoggerMessage(112, LogLevel.Information, "Ignored {Kind} request of node {Candidate} for term {Term}: {Leader} leads term {CurrentTerm} and was heard from within the election timeout (leader lease)")]
    public static partial void IgnoredInLease(ILogger logger, string kind, int candidate, long term, string leader, long currentTerm);
}
