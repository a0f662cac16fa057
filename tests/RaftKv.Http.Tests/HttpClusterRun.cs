using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Http.Tests;

/// <summary>
/// Runs a test body against a fresh cluster whose nodes serve HTTP on free loopback ports, under an overall
/// deadline; on failure the nodes' status and log tails go to the test output. Every process is killed and the
/// temp directory deleted either way.
/// </summary>
public static class HttpClusterRun
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    public static async Task WithClusterAsync(ITestOutputHelper output, Func<LocalCluster, HttpClient, CancellationToken, Task> body, LocalClusterOptions? options = null)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var cluster = LocalCluster.Create((options ?? new LocalClusterOptions()) with { Http = options?.ExtraArguments.Contains("--http") != true });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await cluster.StartAllAsync(deadline.Token);
            if (cluster.Options.Http)
            {
                // Kestrel starts after the node: wait until every dashboard answers before the test asks anything.
                for (var id = 0; id < cluster.Count; id++)
                {
                    var livez = new Uri(cluster.HttpUrl(id), "livez");
                    await WaitUntilAsync(async () => (await http.GetAsync(livez, deadline.Token)).IsSuccessStatusCode, $"{livez} answers", TimeSpan.FromSeconds(30), deadline.Token);
                }
            }
            await body(cluster, http, deadline.Token);
        }
        catch (Exception e)
        {
            output.WriteLine(await cluster.DiagnosticsAsync());
            output.WriteLine($"{e.GetType().Name}: {e.Message}");
            throw;
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Calls <paramref name="probe"/> until it returns true or <paramref name="timeout"/> passes (then fails saying <paramref name="what"/>).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> probe, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await probe()) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet, or gone: keep asking until the deadline
            }
            if (DateTime.UtcNow > until) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting until {what}");
            await Task.Delay(50, cancellationToken);
        }
    }
}
