using RaftKv.Core;
using RaftKv.Replica.Io;
using RaftKv.Transport;

namespace RaftKv.Node;

/// <summary>The replica's outbox to peers, over the TCP peer links.</summary>
internal sealed class PeerOutbox(PeerSender peers) : IPeerOutbox
{
    public void Send(Message message) => peers.Send(message);
}
