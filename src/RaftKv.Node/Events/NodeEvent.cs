namespace RaftKv.Node.Events;

/// <summary>Something for the event loop to do; everything reaches the Raft core through the loop's channel.</summary>
public abstract record NodeEvent;
