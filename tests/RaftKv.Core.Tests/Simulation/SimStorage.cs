using RaftKv.Replica.Io;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// The simulated storage writer of one incarnation of a node: it queues what the replica asks, and the simulator
/// carries the requests out on the node's <see cref="SimDisk"/> after a latency, in order, grouping the persistence
/// requests queued meanwhile into one write (group commit). A crash throws the queue away.
/// </summary>
public sealed class SimStorage : IStorageQueue
{
    public Queue<object> Requests { get; } = new();

    /// <summary>Whether a storage step is already scheduled for this queue.</summary>
    public bool Busy { get; set; }

    /// <summary>The disk is full: the writer told the replica and retries.</summary>
    public bool ReportedFull { get; set; }

    /// <summary>Requests already reported durable before they were written (<see cref="Sabotage.AckBeforePersist"/>).</summary>
    public HashSet<long> AckedEarly { get; } = [];

    public void Persist(PersistRequest request) => Requests.Enqueue(request);

    public void Compact(CompactRequest request) => Requests.Enqueue(request);
}
