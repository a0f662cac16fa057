namespace RaftKv.Core;

/// <summary>The kinds of message Raft peers exchange.</summary>
public enum MessageType
{
    /// <summary>PreVote request (thesis §9.6): "would you vote for me in term+1?" The sender's term does not change.</summary>
    PreVote = 1,
    PreVoteResponse = 2,

    /// <summary>RequestVote (Raft §5.2). <see cref="Message.Index"/>/<see cref="Message.LogTerm"/> describe the candidate's last entry.</summary>
    Vote = 3,
    VoteResponse = 4,

    /// <summary>AppendEntries (Raft §5.3). <see cref="Message.Index"/>/<see cref="Message.LogTerm"/> are prevLogIndex/prevLogTerm.</summary>
    Append = 5,

    /// <summary>
    /// Reply to Append or Snapshot. On success <see cref="Message.Index"/> is the last index now matching the leader.
    /// On rejection <see cref="Message.Index"/> is the rejected prevLogIndex, <see cref="Message.RejectHint"/> the
    /// follower's conflict index and <see cref="Message.LogTerm"/> the follower's term at that index (fast back-off).
    /// </summary>
    AppendResponse = 6,

    /// <summary>Heartbeat: leader authority and commit index; <see cref="Message.Context"/> carries a ReadIndex round.</summary>
    Heartbeat = 7,
    HeartbeatResponse = 8,

    /// <summary>InstallSnapshot (Raft §7): <see cref="Message.Snapshot"/> replaces the follower's log prefix.</summary>
    Snapshot = 9,

    /// <summary>Leadership transfer (thesis §3.10): the target starts an election at once.</summary>
    TimeoutNow = 10,
}
