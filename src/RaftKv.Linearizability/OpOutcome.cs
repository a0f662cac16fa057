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

    /// <summary>
    /// A guarded set or delete answered "condition failed": at one instant between its start and its end the
    /// guard did not hold (and the key was as <see cref="Operation.Seen"/> shows, when the answer showed it),
    /// and nothing changed. It is a read, not a no-op: it constrains the order like a get does.
    /// </summary>
    ConditionFailed,
}
