namespace RaftKv.Client;

/// <summary>
/// No leader (or no quorum, or the asked node) answered before <see cref="RaftClientOptions.Timeout"/>.
/// </summary>
public sealed class ClusterUnavailableException : Exception
{
    public ClusterUnavailableException(string message, TimeSpan timeout, bool outcomeUnknown, Exception? innerException = null)
        : base(message, innerException)
    {
        Timeout = timeout;
        OutcomeUnknown = outcomeUnknown;
    }

    /// <summary>The time budget that ran out.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>
    /// True for a write that reached at least one server without a definite answer: it may or may not
    /// have been applied. A retry with a new operation is then not idempotent; the caller must read
    /// to find out. False for reads and for writes that were certainly never applied.
    /// </summary>
    public bool OutcomeUnknown { get; }
}
