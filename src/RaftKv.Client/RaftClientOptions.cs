namespace RaftKv.Client;

/// <summary>How a <see cref="RaftClient"/> finds the cluster and how long it keeps trying.</summary>
public sealed record RaftClientOptions
{
    /// <summary>The cluster members, <c>host:port</c>; the index is the node id (as in servers.txt).</summary>
    public required IReadOnlyList<string> Servers { get; init; }

    /// <summary>How long one logical operation may take, across every retry and redirect, before <see cref="ClusterUnavailableException"/>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt (connect, or send and wait for the answer) may take before the client tries again.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Mutual TLS (the cluster CA and this client's certificate); null for plain TCP.</summary>
    public RaftKv.Protocol.Tls.ClusterTls? Tls { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value and why.</summary>
    public void Validate()
    {
        if (Servers is null || Servers.Count == 0)
            throw new ArgumentException("Servers must list at least one host:port", nameof(Servers));
        for (var i = 0; i < Servers.Count; i++)
        {
            if (!RaftKv.Protocol.ServerList.TrySplitHostPort(Servers[i], out _, out _, out var reason))
                throw new ArgumentException($"Servers[{i}] '{Servers[i]}' is not a valid host:port ({reason})", nameof(Servers));
        }
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentException($"Timeout must be positive, was {Timeout}", nameof(Timeout));
        if (RequestTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"RequestTimeout must be positive, was {RequestTimeout}", nameof(RequestTimeout));
    }
}
