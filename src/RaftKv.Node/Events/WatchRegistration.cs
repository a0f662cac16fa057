namespace RaftKv.Node.Events;

/// <summary>A new watch for the loop to start (catch up from the history, then follow).</summary>
public sealed record WatchRegistration(Watcher Watcher) : NodeEvent;
