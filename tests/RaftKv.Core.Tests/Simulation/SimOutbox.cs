using RaftKv.Replica.Io;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>What a replica sent during one Flush; the simulator puts it on the network (or crashes halfway through).</summary>
public sealed class SimOutbox : IPeerOutbox
{
    public List<Message> Sent { get; } = [];

    public void Send(Message message) => Sent.Add(message);
}
