namespace RaftKv.Client;

/// <summary>
/// One server-side session: a client id with at most one write in flight and the sequence number
/// of its last write. The server remembers only the last result per client id, which is enough to
/// answer a retry only if writes of one id never overlap; see <see cref="WriteSessionPool"/>.
/// </summary>
internal sealed class WriteSession(string clientId)
{
    public string ClientId { get; } = clientId;

    /// <summary>The sequence number of this session's latest write (0 before the first). Touched only by the one write that holds the session.</summary>
    public long LastSeq { get; set; }
}
