using RaftKv.Node.Events;
using RaftKv.Protocol;
using RaftKv.Transport;

namespace RaftKv.Node;

/// <summary>
/// Answers client connections: hands each request to the loop (the replica decides everything) and waits, at most
/// <see cref="NodeOptions.RequestTimeout"/>, for the answer. A node at its limit of pending requests answers
/// <c>unavailable</c> "overloaded" at once instead of queueing without bound.
/// </summary>
public sealed class ClientRequestHandler(RaftNode node) : IClientRequestHandler
{
    public async ValueTask<ClientResponse> HandleAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var response = await AnswerAsync(request, cancellationToken);
        node.Metrics.OnRequest(request.Op, response.Status, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        return response;
    }

    private async ValueTask<ClientResponse> AnswerAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        var call = new ClientCall(request);
        if (!node.TryPost(call)) return node.Respond(request, ClientStatus.Unavailable, ClientErrors.Overloaded);
        if (request.Op is ClientOp.Set or ClientOp.Delete) node.Metrics.OnProposal();
        try
        {
            return await call.Done.Task.WaitAsync(node.Options.RequestTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The replica drops the request if it has not proposed it yet; once proposed, it may still commit.
            call.GiveUp();
            var what = request.Op is ClientOp.Set or ClientOp.Delete ? "the write may or may not be applied" : "no answer";
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
