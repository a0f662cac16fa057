namespace RaftKv.Protocol;

/// <summary>
/// Jittered exponential backoff, the one rule for every retry in RaftKv (clients retrying a request, nodes redialling a
/// peer): the ceiling doubles per failure from <c>min</c> up to <c>max</c>, and each wait is drawn from
/// [ceiling/2, ceiling], so nodes or clients that failed at the same moment do not retry in lockstep.
/// </summary>
public sealed class Backoff(TimeSpan min, TimeSpan max)
{
    /// <summary>A client's pause between retries of one request: 10 ms doubling to 200 ms (docs/PROTOCOL.md).</summary>
    public static Backoff ClientRetry { get; } = new(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(200));

    /// <summary>The wait before retry number <paramref name="retry"/> (0 = the first retry).</summary>
    public TimeSpan Delay(int retry)
    {
        var ceiling = Math.Min(max.Ticks, min.Ticks * Math.Pow(2, Math.Clamp(retry, 0, 30)));
        return TimeSpan.FromTicks((long)(ceiling * (0.5 + 0.5 * Random.Shared.NextDouble())));
    }
}
