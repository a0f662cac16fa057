using RaftKv.Node;
using RaftKv.Protocol;

namespace RaftKv.Host;

/// <summary>
/// Asks the node for its status once a second, as a client would, so that the index gauges of its metrics
/// (commit, applied, last index) stay current for listeners that do not scrape /metrics: dotnet-counters, and
/// every listener when HTTP is off.
/// </summary>
public sealed class StatusRefresher : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public StatusRefresher(RaftNode node)
    {
        var handler = new ClientRequestHandler(node);
        _running = Task.Run(() => RunAsync(node, handler, _stop.Token), CancellationToken.None);
    }

    private static async Task RunAsync(RaftNode node, ClientRequestHandler handler, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var response = await handler.HandleAsync(new ClientRequest { Op = ClientOp.Status }, ct);
                if (response.Node is { } status) node.Metrics.ObserveStatus(status);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }
}
