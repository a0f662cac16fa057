using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>
/// Answers client requests; implemented by the node driver. Called concurrently for the requests in flight on a
/// connection. An exception becomes a BadRequest (argument/format errors) or Unavailable response for that request.
/// The token is cancelled when the connection or the server closes.
/// </summary>
public interface IClientRequestHandler
{
    ValueTask<ClientResponse> HandleAsync(ClientRequest request, CancellationToken cancellationToken);
}
