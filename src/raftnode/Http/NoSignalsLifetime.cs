using Microsoft.Extensions.Hosting;

namespace RaftKv.Host.Http;

/// <summary>
/// Keeps the web host from handling Ctrl+C and SIGTERM itself: raftnode's own handler hands over leadership
/// first, and only then stops the HTTP server with everything else.
/// </summary>
internal sealed class NoSignalsLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
