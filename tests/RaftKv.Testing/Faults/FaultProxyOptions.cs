using System.Net;

namespace RaftKv.Testing.Faults;

/// <summary>Where a <see cref="FaultProxy"/> listens and how slow and lossy its link is.</summary>
public sealed record FaultProxyOptions
{
    /// <summary>The address to listen on (a free port is picked): loopback unless the peers are elsewhere, such as on a bridge.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Delay and loss added to every chunk in both directions, on top of any <see cref="LinkFault.Delay"/>.</summary>
    public LinkEmulation Link { get; init; } = LinkEmulation.None;

    /// <summary>Seeds the draws of <see cref="Link"/>: connection n of the proxy draws from a generator made from this and n.</summary>
    public int Seed { get; init; }
}
