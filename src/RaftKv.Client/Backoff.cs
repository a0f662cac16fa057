namespace RaftKv.Client;

/// <summary>
/// Jittered exponential backoff between retries: 10 ms doubling to 200 ms, each delay drawn from
/// [half, full] so clients that failed together do not retry together.
/// </summary>
internal static class Backoff
{
    public static readonly TimeSpan Min = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan Max = TimeSpan.FromMilliseconds(200);

    /// <summary>The delay before retry number <paramref name="retry"/> (0 = first retry).</summary>
    public static TimeSpan Delay(int retry)
    {
        var ceiling = Math.Min(Max.TotalMilliseconds, Min.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 16)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}
