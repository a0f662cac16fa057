namespace RaftKv.Host.Http;

/// <summary>An election or leader change as this node saw it.</summary>
/// <param name="Kind">"election", "leader", "stepdown", "splitvote" or "noleader".</param>
public sealed record TimelineEvent(DateTimeOffset Time, long Term, string Kind, string Text);
