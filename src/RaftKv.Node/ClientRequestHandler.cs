using RaftKv.Node.Events;
using RaftKv.Protocol;
using RaftKv.Replica;
using RaftKv.Transport;

namespace RaftKv.Node;

/// <summary>
/// Answers client connections: hands each request to the loop (the replica decides everything) and waits, at most
/// <see cref="NodeOptions.RequestTimeout"/>, for the answer. A node at its limit of pending requests answers
/// <c>unavailable</c> "overloaded" at once instead of queueing without bound.
/// </summary>
public sealed class ClientRequestHandler(RaftNode node) : IStreamingClientRequestHandler
{
    public bool IsStream(ClientRequest request) => request.Op is ClientOp.Watch or ClientOp.Snapshot;

    /// <summary>
    /// A watch: any node serves it from its own applied state (a follower may lag the leader; events still come in
    /// revision order, none skipped or repeated). Runs until the client goes away or the replica ends it (compacted,
    /// too slow, stopping). Each batch is sent before the next is taken, so a slow client backs up only its own queue.
    /// </summary>
    public async Task StreamAsync(ClientRequest request, Func<ClientResponse, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(emit);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Op == ClientOp.Snapshot)
        {
            await new BackupStream(node).RunAsync(request, emit, cancellationToken);
            return;
        }
        if (ClientRequestRules.Validate(request) is { } error)
        {
            await emit(node.Respond(request, ClientStatus.BadRequest, error), cancellationToken);
            return;
        }
        var watcher = new Watcher(request);
        try
        {
            if (!node.TryPostWatch(watcher))
            {
                await emit(node.Respond(request, ClientStatus.WatchCanceled, "watch canceled: the node is shutting down"), cancellationToken);
                return;
            }
            await foreach (var response in watcher.Responses.ReadAllAsync(cancellationToken))
            {
                await emit(response with { Id = request.Id }, cancellationToken);
                watcher.Sent(response.Events?.Length ?? 0);
            }
        }
        finally
        {
            watcher.Close();
        }
    }

    public async ValueTask<ClientResponse> HandleAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var response = await AnswerAsync(request, cancellationToken);
        // The replica does no I/O: the size of the data directory is the host's to add.
        if (response.Node is { } status && request.Op == ClientOp.Status)
            response = response with { Node = status with { DiskBytes = Metrics.NodeMetrics.DirectorySize(node.Options.DataDirectory) } };
        node.Metrics.OnRequest(request.Op, response.Status, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        // A write this node took into its log as leader (committed or not); refusals and redirects are not proposals.
        if (request.Op is ClientOp.Set or ClientOp.Delete && response.Status is not (ClientStatus.NotLeader or ClientStatus.BadRequest)
            && response.Error != ClientErrors.Overloaded)
            node.Metrics.OnProposal();
        return response;
    }

    private async ValueTask<ClientResponse> AnswerAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        var call = new ClientCall(request);
        if (!node.TryPost(call)) return node.Respond(request, ClientStatus.Unavailable, ClientErrors.Overloaded);
        try
        {
            return await call.Done.Task.WaitAsync(node.Options.RequestTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The replica drops the request if it has not proposed it yet; once proposed, it may still commit.
            call.GiveUp();
            var what = DataRequests.IsWrite(request.Op) ? "the write may or may not be applied" : "no answer";
            return node.Respond(request, ClientStatus.Unavailable,
                $"timed out after {node.Options.RequestTimeout.TotalSeconds:0.#} s waiting for a quorum; {what}");
        }
        catch (OperationCanceledException)
        {
            call.GiveUp();
            throw;
        }
        finally
        {
            node.Released();
        }
    }
}
