using RaftKv.Protocol;
using RaftKv.Replica.Io;

namespace RaftKv.Node.Events;

/// <summary>A client request on its way through the loop; its connection handler waits on <see cref="Done"/>.</summary>
public sealed class ClientCall(ClientRequest request) : NodeEvent, IClientCall
{
    private volatile bool _gaveUp;

    public ClientRequest Request { get; } = request;

    public TaskCompletionSource<ClientResponse> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool GaveUp => _gaveUp;

    /// <summary>The handler stopped waiting (its timeout answered the client): the replica drops the request if it has not proposed it yet.</summary>
    public void GiveUp() => _gaveUp = true;

    public void Complete(ClientResponse response) => Done.TrySetResult(response);
}
