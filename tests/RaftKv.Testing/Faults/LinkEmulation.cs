using System.Globalization;

namespace RaftKv.Testing.Faults;

/// <summary>
/// A slow, lossy network path emulated in user space by a <see cref="FaultProxy"/>, for machines whose kernel has no
/// sch_netem: every chunk of bytes the proxy forwards waits a delay drawn uniformly from
/// [<see cref="MinDelay"/>, <see cref="MaxDelay"/>], and with probability <see cref="LossProbability"/> it waits
/// <see cref="RetransmissionStall"/> more. Chunks of one connection leave in the order they came, so a chunk held
/// back holds back everything behind it, as a lost segment does in TCP.
/// </summary>
/// <remarks>
/// <para>What the loss models: TCP never shows a lost packet to the application; it shows a stall until the
/// retransmission arrives. The worst such stall is the retransmission timeout, at least 200 ms on Linux (TCP_RTO_MIN),
/// and that is what a "lost" chunk costs here every time.</para>
/// <para>What it does not model: it is not packet loss. Nothing is dropped or retransmitted on the wire, so there
/// are no duplicate ACKs, no fast retransmit or tail-loss probe (which recover many real losses within two round
/// trips: this errs on the slow side), and no congestion-window collapse (throughput does not fall as it would).
/// Loss is drawn per chunk (what one read returned), not per packet, so a large chunk is no likelier to be hit than
/// a small one. The delay is added between two TCP connections (the proxy terminates TCP), so the endpoints'
/// kernels measure a short round trip to the proxy, not the emulated one.</para>
/// </remarks>
/// <param name="MinDelay">Shortest one-way delay added to a chunk.</param>
/// <param name="MaxDelay">Longest one-way delay added to a chunk (before any stall).</param>
/// <param name="LossProbability">Chance, from 0 to 1, that a chunk is "lost" and waits <paramref name="RetransmissionStall"/> more.</param>
/// <param name="RetransmissionStall">What a lost chunk costs: Linux's minimum retransmission timeout by default.</param>
public sealed record LinkEmulation(TimeSpan MinDelay, TimeSpan MaxDelay, double LossProbability, TimeSpan RetransmissionStall)
{
    /// <summary>Linux's minimum retransmission timeout (TCP_RTO_MIN).</summary>
    public static TimeSpan LinuxMinimumRto { get; } = TimeSpan.FromMilliseconds(200);

    /// <summary>No delay, no loss: a plain proxy.</summary>
    public static LinkEmulation None { get; } = new(TimeSpan.Zero, TimeSpan.Zero, 0, TimeSpan.Zero);

    /// <summary>Issue 10's wide-area link: 5–20 ms one way and 1% loss, each loss a 200 ms stall.</summary>
    public static LinkEmulation Wan { get; } = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20), 0.01, LinuxMinimumRto);

    /// <summary>True when chunks are forwarded as soon as they arrive.</summary>
    public bool IsNone => MaxDelay == TimeSpan.Zero && (LossProbability == 0 || RetransmissionStall == TimeSpan.Zero);

    /// <summary>Throws, naming the value, when the bounds make no sense.</summary>
    public void Validate()
    {
        if (MinDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MinDelay), MinDelay, "a delay cannot be negative");
        if (MaxDelay < MinDelay) throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, $"the longest delay must not be below the shortest ({MinDelay.TotalMilliseconds} ms)");
        if (!(LossProbability >= 0 && LossProbability <= 1)) throw new ArgumentOutOfRangeException(nameof(LossProbability), LossProbability, "a probability is from 0 to 1");
        if (RetransmissionStall < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RetransmissionStall), RetransmissionStall, "a stall cannot be negative");
    }

    /// <summary>Draws what the next chunk waits. The caller keeps the order (a chunk never leaves before the one ahead of it).</summary>
    public ChunkDelay Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var delay = MinDelay + (MaxDelay - MinDelay) * random.NextDouble();
        // Drawn every time, so one seed gives the same delays whatever the loss probability.
        var lost = random.NextDouble() < LossProbability;
        return lost ? new ChunkDelay(delay + RetransmissionStall, true) : new ChunkDelay(delay, false);
    }

    /// <summary>Such as "5–20 ms per chunk, 1% of chunks held back 200 ms more (a retransmission timeout)".</summary>
    public override string ToString() => IsNone
        ? "no delay or loss"
        : string.Create(CultureInfo.InvariantCulture,
            $"{MinDelay.TotalMilliseconds:0.#}–{MaxDelay.TotalMilliseconds:0.#} ms per chunk, {LossProbability * 100:0.##}% of chunks held back {RetransmissionStall.TotalMilliseconds:0} ms more (a retransmission timeout), order kept");

    /// <summary>One line on what this emulation stands for and what it leaves out (see the remarks), for test output.</summary>
    public static string Caveat =>
        "models latency and TCP's stall on a lost segment; it is not packet loss: no duplicate ACKs, no fast retransmit, "
        + "no congestion-window collapse, loss drawn per chunk rather than per packet, and the endpoints' TCP sees the proxy's short round trip";
}
