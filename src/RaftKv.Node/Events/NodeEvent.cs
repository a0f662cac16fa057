namespace RaftKv.Node.Events;

/// <summary>Something for the loop to hand to the replica; everything reaches it through the loop's channels.</summary>
public abstract class NodeEvent;
