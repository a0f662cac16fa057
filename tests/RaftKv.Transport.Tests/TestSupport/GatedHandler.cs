using RaftKv.Protocol;

namespace RaftKv.Transport.Tests.TestSupport;

/// <summary>Answers Ok, but holds requests for the key "slow" until the gate opens (or the connection closes).</summary>
public sealed class GatedHandler(Task gate) : IClientRequestHandler
{
    public async ValueTask<ClientResponse> HandleAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        if (request.Key == "slow") await gate.WaitAsync(cancellationToken);
        return new ClientResponse { Id = request.Id, Status = ClientStatus.Ok };
    }
}
