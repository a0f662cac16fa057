using RaftKv.Replica.Io;

namespace RaftKv.Node.Events;

/// <summary>Graceful shutdown: a leader hands leadership to its most up-to-date follower first.</summary>
public sealed class ShutdownEvent : NodeEvent, IShutdownHandoff
{
    public TaskCompletionSource<int> TransferredTo { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Complete(int successor) => TransferredTo.TrySetResult(successor);
}
