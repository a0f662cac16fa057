namespace RaftKv.Testing.Faults;

/// <summary>What a <see cref="FaultProxy"/> does to its traffic right now.</summary>
/// <param name="Cut">Null when the link is up; otherwise how it is cut.</param>
/// <param name="Delay">Extra latency added to every chunk of bytes, in both directions (order is kept).</param>
public sealed record LinkFault(CutStyle? Cut, TimeSpan Delay)
{
    public static LinkFault Healthy { get; } = new(null, TimeSpan.Zero);

    public override string ToString() => (Cut, Delay) switch
    {
        (null, var d) when d == TimeSpan.Zero => "healthy",
        (null, var d) => $"delay {d.TotalMilliseconds:0}ms",
        ({ } c, _) => c == CutStyle.Refuse ? "cut (refuse)" : "cut (blackhole)",
    };
}
