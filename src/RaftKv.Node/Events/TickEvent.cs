namespace RaftKv.Node.Events;

/// <summary>One tick of the Raft core's logical clock.</summary>
public sealed record TickEvent : NodeEvent
{
    public static readonly TickEvent Instance = new();
}
