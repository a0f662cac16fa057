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
        if (Validate(request) is { } error)
            return node.Respond(request, ClientStatus.BadRequest) with { Error = error };

        var view = node.View;
        var needsLeader = request.Op is ClientOp.Set or ClientOp.Delete || (request.Op == ClientOp.Get && !request.Stale);
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
        if (request.Op is ClientOp.Set or ClientOp.Delete)
        {
            command = KvCommandCodec.Encode(new KvCommand
            {
                Op = request.Op == ClientOp.Set ? KvOp.Set : KvOp.Delete,
                Key = request.Key!,
                Value = request.Value,
                ClientId = request.ClientId,
                Seq = request.Seq,
            });
            if (command.Length > node.Options.MaxValueBytes + 1024)
                return node.Respond(request, ClientStatus.BadRequest) with { Error = $"value too large: the limit is {node.Options.MaxValueBytes} bytes" };
        }

        var e = new ClientEvent(request, command);
        if (!node.Post(e)) return node.Respond(request, ClientStatus.Unavailable) with { Error = "the node is shutting down" };
        if (command is not null) node.Metrics.OnProposal();
        try
        {
            return await e.Done.Task.WaitAsync(node.Options.RequestTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            var what = request.Op is ClientOp.Set or ClientOp.Delete ? "the write may or may not be applied" : "no answer";
            return node.Respond(request, ClientStatus.Unavailable) with
            {
                Error = $"timed out after {node.Options.RequestTimeout.TotalSeconds:0.#} s waiting for a quorum; {what}",
            };
        }
    }

    /// <summary>Longest key accepted, in UTF-8 bytes (docs/PROTOCOL.md).</summary>
    public const int MaxKeyBytes = 4096;

    private static string? Validate(ClientRequest request)
    {
        switch (request.Op)
        {
            case ClientOp.Set or ClientOp.Delete when string.IsNullOrEmpty(request.Key):
                return "a key is required";
            case ClientOp.Set when request.Value is null:
                return "set needs a value";
            case ClientOp.Get when request.Key is { Length: 0 }:
                return "the key must not be empty";
            case not (ClientOp.Status or ClientOp.Log) when request.Key is { } key && System.Text.Encoding.UTF8.GetByteCount(key) > MaxKeyBytes:
                return $"the key is longer than {MaxKeyBytes} bytes";
            case ClientOp.Log when request.Limit is <= 0 || request.From is < 0:
                return "from must be >= 0 and limit > 0";
        }
        if (request.Op is ClientOp.Set or ClientOp.Delete && request.ClientId is not null && request.Seq <= 0)
            return "seq must be positive when clientId is given";
        return null;
    }
}
