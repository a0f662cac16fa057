using RaftKv.Protocol;

namespace RaftKv.Transport;

/// <summary>
/// A handler that also serves requests answered by a stream of responses with the request's id (a watch).
/// <c>emit</c> completes once the response has been written to the socket, so a slow client slows only its
/// own stream (and the node cuts it off when it falls too far behind), never the connection's other requests
/// or the node. The stream ends when <see cref="StreamAsync"/> returns; the token is cancelled when the connection closes.
/// </summary>
public interface IStreamingClientRequestHandler : IClientRequestHandler
{
    /// <summary>True for requests served by <see cref="StreamAsync"/>.</summary>
    bool IsStream(ClientRequest request);

    Task StreamAsync(ClientRequest request, Func<ClientResponse, CancellationToken, ValueTask> emit, CancellationToken cancellationToken);
}
