using RaftKv.Core;
using RaftKv.Node.Events;
using RaftKv.Protocol;
using RaftKv.StateMachine;
using RaftKv.Transport;

namespace RaftKv.Node;

/// <summary>
/// Answers client connections: validates each request, hands it to the event loop and waits, at
/// most <see cref="NodeOptions.RequestTimeout"/>, for the answer. Requests that cannot succeed here
/// (a write to a follower) are answered at once with the leader's address.
/// </summary>
public sealed class ClientRequestHandler(RaftNode node) : IStreamingClientRequestHandler
{
    public bool IsStream(ClientRequest request) => request.Op == ClientOp.Watch;

    /// <summary>
    /// A watch: any node serves it from its own applied state (a follower may lag the leader; events still come
    /// in revision order, none skipped or repeated). Runs until the client goes away or the node ends it.
    /// </summary>
    public async Task StreamAsync(ClientRequest request, Func<ClientResponse, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(emit);
        if (DataRequests.Validate(request) is { } error)
        {
            await emit(node.Respond(request, ClientStatus.BadRequest) with { Error = error }, cancellationToken);
            return;
        }
        var watcher = new Watcher(request);
        try
        {
            if (!node.Post(new WatchRegistration(watcher)))
            {
                await emit(node.Respond(request, ClientStatus.WatchCanceled) with { Error = "watch canceled: the node is shutting down" }, cancellationToken);
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
        if ((Validate(request) ?? DataRequests.Validate(request)) is { } error)
            return node.Respond(request, ClientStatus.BadRequest) with { Error = error };

        var view = node.View;
        var needsLeader = DataRequests.NeedsLeader(request);
        if (needsLeader && view.DiskFull)
            return node.Respond(request, ClientStatus.Unavailable) with { Error = $"disk full on node {node.Id}; writes refused until space returns" };
        if (needsLeader && view.Role != Role.Leader && !view.ShuttingDown && view.LeaderId == NodeIds.None)
        {
            // An election is under way (or we just started): rather than send the client away with no
            // leader to try, hold the request until the outcome is known. After a leadership transfer
            // this is the difference between a retry loop and an answer within milliseconds.
            view = await node.WaitForLeaderAsync(node.Options.ElectionTimeout * 2, cancellationToken);
        }
        if (needsLeader && view.Role != Role.Leader)
            return node.Respond(request, ClientStatus.NotLeader) with { Error = $"node {node.Id} is not the leader" };

        byte[]? command = null;
        if (DataRequests.IsWrite(request.Op))
        {
            try
            {
                command = KvCommandCodec.Encode(DataRequests.ToCommand(request));
            }
            catch (ArgumentException bad)
            {
                return node.Respond(request, ClientStatus.BadRequest) with { Error = bad.Message };
            }
            if (command.Length > node.Options.MaxValueBytes + 1024)
                return node.Respond(request, ClientStatus.BadRequest) with { Error = $"value too large: the limit is {node.Options.MaxValueBytes} bytes" };
        }

        var e = new ClientEvent(request, command);
        if (!node.Post(e)) return node.Respond(request, ClientStatus.Unavailable) with { Error = "the node is shutting down" };
        try
        {
            return await e.Done.Task.WaitAsync(node.Options.RequestTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            var what = DataRequests.IsWrite(request.Op) ? "the write may or may not be applied" : "no answer";
            return node.Respond(request, ClientStatus.Unavailable) with
            {
                Error = $"timed out after {node.Options.RequestTimeout.TotalSeconds:0.#} s waiting for a quorum; {what}",
            };
        }
    }

    /// <summary>Longest key accepted, in UTF-8 bytes (docs/PROTOCOL.md).</summary>
    public const int MaxKeyBytes = KvLimits.MaxKeyBytes;

    private static string? Validate(ClientRequest request)
    {
        if (request.Op == ClientOp.Log && (request.Limit is <= 0 || request.From is < 0))
            return "from must be >= 0 and limit > 0";
        return null;
    }
}
