using RaftKv.Protocol;

namespace RaftKv.Replica.Io;

/// <summary>
/// A client request in the replica's hands, and the way back to its client. The host implements it over a
/// connection (a task completion source); the simulator over its recorded history.
/// </summary>
public interface IClientCall
{
    ClientRequest Request { get; }

    /// <summary>
    /// True once the waiter stopped waiting (the host's request timeout answered the client already). A write
    /// whose waiter gave up is dropped before it is proposed: it must never be applied arbitrarily late.
    /// </summary>
    bool GaveUp { get; }

    /// <summary>Answers the client. Called at most once per call by the replica.</summary>
    void Complete(ClientResponse response);
}
