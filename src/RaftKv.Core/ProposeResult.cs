namespace RaftKv.Core;

/// <summary>Why a proposal was or was not accepted into the leader's log.</summary>
public enum ProposeResult
{
    Accepted = 0,
    NotLeader = 1,

    /// <summary>A leadership transfer is under way; the client should retry at the new leader (thesis §3.10).</summary>
    TransferInProgress = 2,

    /// <summary>Too many uncommitted bytes; back off.</summary>
    Overloaded = 3,

    /// <summary>A membership change is still uncommitted; only one at a time (thesis §4.1).</summary>
    ConfigChangePending = 4,
}
