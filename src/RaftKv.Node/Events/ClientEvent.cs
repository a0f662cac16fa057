using RaftKv.Protocol;

namespace RaftKv.Node.Events;

/// <summary>A client request waiting for its answer.</summary>
public sealed record ClientEvent(ClientRequest Request, byte[]? Command) : NodeEvent
{
    public TaskCompletionSource<ClientResponse> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
