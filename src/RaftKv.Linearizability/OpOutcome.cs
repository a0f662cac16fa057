namespace RaftKv.Linearizability;

/// <summary>What the client learned about an operation when it finished waiting.</summary>
public enum OpOutcome
{
    /// <summary>Acknowledged: the operation took effect between its start and its end.</summary>
    Ok,

    /// <summary>Definitely did not take effect (for example rejected before it was proposed); dropped from the check.</summary>
    Failed,

    /// <summary>
    /// The client timed out or lost its connection: the operation may have taken effect at any point
    /// after its start, even after the client gave up, or never.
    /// </summary>
    Unknown,
}
