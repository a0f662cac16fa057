using RaftKv.Core;

namespace RaftKv.Replica.Io;

/// <summary>Messages to other members. Sending is fire-and-forget: Raft tolerates loss, delay and duplication.</summary>
public interface IPeerOutbox
{
    void Send(Message message);
}
