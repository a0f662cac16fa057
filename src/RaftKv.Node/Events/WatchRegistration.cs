using RaftKv.Replica;

namespace RaftKv.Node.Events;

/// <summary>A new watch for the loop to hand to the replica (which catches it up from the history, then follows).</summary>
public sealed class WatchRegistration(Watcher watcher) : NodeEvent
{
    public Watcher Watcher { get; } = watcher;
}
