namespace RaftKv.Core.Tests.Simulation;

public enum SimEventKind
{
    /// <summary>A node's clock ticks.</summary>
    Tick = 0,

    /// <summary>A peer message arrives.</summary>
    Deliver = 1,

    /// <summary>The node's storage writer finishes its current step (a group of appends, or a compaction).</summary>
    Storage = 2,

    /// <summary>The replica hears of a finished storage step.</summary>
    StorageDone = 3,

    /// <summary>A client request arrives at a node.</summary>
    ClientRequest = 4,

    /// <summary>A client acts: starts an operation, retries, or gives up.</summary>
    ClientWake = 5,

    /// <summary>Anything else: faults, healing, answers reaching clients.</summary>
    Action = 6,

    /// <summary>A snapshot stream moves on by one chunk, stands still, breaks or delivers (not traced: there are many).</summary>
    SnapshotChunk = 7,
}
