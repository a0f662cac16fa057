using RaftKv.Testing.Processes;
using Xunit.Abstractions;

namespace RaftKv.Cluster.Tests.Support;

/// <summary>
/// Runs a test body against a fresh <see cref="LocalCluster"/> under an overall deadline. On failure the
/// exception is rethrown with every node's status and log tail attached (and written to the test
/// output); the cluster is disposed (every process killed, temp directory deleted) either way.
/// </summary>
public static class ClusterRun
{
    /// <summary>Generous: the machine is shared, and a deadline is only there to turn a hang into a failure.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(90);

    public static async Task WithClusterAsync(ITestOutputHelper output, Func<LocalCluster, CancellationToken, Task> body, LocalClusterOptions? options = null, bool start = true, TimeSpan? deadline = null)
    {
        using var cancel = new CancellationTokenSource(deadline ?? DefaultDeadline);
        var cluster = LocalCluster.Create(options);
        try
        {
            if (start) await cluster.StartAllAsync(cancel.Token);
            await body(cluster, cancel.Token);
        }
        catch (Exception e)
        {
            var diagnostics = await cluster.DiagnosticsAsync();
            output.WriteLine(diagnostics);
            throw new ClusterTestFailure($"{e.GetType().Name}: {e.Message}\n\n{diagnostics}", e);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
