namespace RaftKv.Transport.Tests.TestSupport;

/// <summary>Waits for a condition with a deadline, instead of sleeping a fixed time and hoping.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(10);

    public static async Task HoldsAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>A token that cancels at the deadline, for awaiting a single read or write.</summary>
    public static CancellationToken Deadline(TimeSpan? deadline = null) => new CancellationTokenSource(deadline ?? DefaultDeadline).Token;
}
