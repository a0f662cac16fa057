namespace RaftKv.Testing.Faults;

/// <summary>How a <see cref="FaultProxy"/> cuts its link.</summary>
public enum CutStyle
{
    /// <summary>
    /// Existing connections are closed and new ones are reset at once: the sender knows the link is down
    /// (like a host that answers with RST, or a crashed router with ICMP unreachable).
    /// </summary>
    Refuse,

    /// <summary>
    /// Connections stay open, new ones are accepted, and every byte is silently dropped: the sender believes
    /// it is talking (like a cable pulled out). Connections that lost bytes are closed when the link heals,
    /// because their stream of frames has a hole in it.
    /// </summary>
    Blackhole,
}
