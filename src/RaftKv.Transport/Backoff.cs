namespace RaftKv.Transport;

/// <summary>
/// Exponential backoff with jitter between redials: the delay doubles per failure from min up to max, and each wait
/// is drawn from [delay/2, delay], so nodes that lost a peer at the same moment do not redial in lockstep.
/// </summary>
internal sealed class Backoff(TimeSpan min, TimeSpan max)
{
    private int _failures;

    public void Reset() => _failures = 0;

    public TimeSpan Next()
    {
        var delay = min.Ticks * Math.Pow(2, Math.Min(_failures, 30));
        _failures++;
        var capped = Math.Min(delay, max.Ticks);
        return TimeSpan.FromTicks((long)(capped * (0.5 + 0.5 * Random.Shared.NextDouble())));
    }
}
