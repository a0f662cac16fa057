namespace RaftKv.Node.Events;

/// <summary>
/// An operator's request (the dashboard's "transfer leadership to…") to hand leadership to <see cref="Target"/>.
/// Answered with null when the transfer started, else the reason it cannot.
/// </summary>
public sealed class TransferLeadershipEvent(int target) : NodeEvent
{
    public int Target { get; } = target;

    public TaskCompletionSource<string?> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
