namespace RaftKv.Cluster.Tests.Support;

/// <summary>Waits for a condition with a deadline: the tests' only way to wait.</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0.#}s");
            await Task.Delay(25, cancellationToken);
        }
    }
}
