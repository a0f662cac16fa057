namespace RaftKv.Core;

/// <summary>
/// A Raft RPC or reply. One flat shape for every kind (as in etcd's raftpb.Message) keeps the wire
/// format and the transport simple; which fields matter depends on <see cref="Type"/>.
/// </summary>
public sealed record Message
{
    public MessageType Type { get; init; }
    public int From { get; init; }
    public int To { get; init; }

    /// <summary>The sender's term; for PreVote, the term the sender would campaign in.</summary>
    public long Term { get; init; }

    /// <summary>Append: prevLogTerm. Vote/PreVote: candidate's last log term. Rejected AppendResponse: follower's term at <see cref="RejectHint"/>.</summary>
    public long LogTerm { get; init; }

    /// <summary>Append: prevLogIndex. Vote/PreVote: candidate's last log index. AppendResponse: see <see cref="MessageType.AppendResponse"/>.</summary>
    public long Index { get; init; }

    public Entry[] Entries { get; init; } = [];

    /// <summary>The leader's commit index (Append, Heartbeat).</summary>
    public long Commit { get; init; }

    public bool Reject { get; init; }

    /// <summary>Rejected AppendResponse: the index the follower suggests probing next.</summary>
    public long RejectHint { get; init; }

    /// <summary>Heartbeat and HeartbeatResponse: the ReadIndex round being confirmed (0 = none).</summary>
    public long Context { get; init; }

    /// <summary>Vote requests sent because of TimeoutNow: voters grant them even inside a leader lease.</summary>
    public bool LeaderTransfer { get; init; }

    public Snapshot? Snapshot { get; init; }

    public override string ToString() =>
        $"{Type} {From}->{To} t{Term} i{Index} lt{LogTerm} c{Commit} n{Entries.Length}{(Reject ? " reject hint=" + RejectHint : "")}{(Context != 0 ? " ctx=" + Context : "")}";
}
