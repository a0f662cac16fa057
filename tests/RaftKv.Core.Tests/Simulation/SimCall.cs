using RaftKv.Protocol;
using RaftKv.Replica.Io;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// One delivery of a client request to a replica. Its answer travels back over the simulated network to
/// <see cref="OnAnswer"/>; a late duplicate delivery has nobody listening (its client moved on long ago).
/// </summary>
public sealed class SimCall(ClientRequest request, int node, Action<SimCall, ClientResponse>? onAnswer) : IClientCall
{
    public ClientRequest Request { get; } = request;
    public int Node { get; } = node;
    public bool GaveUp { get; set; }
    public ClientResponse? Answer { get; private set; }

    public void Complete(ClientResponse response)
    {
        if (Answer is not null) throw new InvalidOperationException($"request {Request.Id} answered twice: {Answer.Status}, then {response.Status}");
        Answer = response;
        onAnswer?.Invoke(this, response);
    }
}
