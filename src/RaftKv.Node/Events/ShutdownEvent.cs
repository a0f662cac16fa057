namespace RaftKv.Node.Events;

/// <summary>Graceful shutdown: a leader hands leadership to its most up-to-date follower first.</summary>
public sealed record ShutdownEvent : NodeEvent
{
    public TaskCompletionSource<int> TransferredTo { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
