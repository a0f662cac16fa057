namespace RaftKv.Node.Events;

/// <summary>One tick of the replica's logical clock. At most one is ever queued: ticks missed during a stall coalesce.</summary>
public sealed class TickEvent : NodeEvent
{
    public static readonly TickEvent Instance = new();
}
