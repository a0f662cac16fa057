namespace RaftKv.Core;

/// <summary>
/// What a node had made durable before it stopped: the hard state, the newest snapshot (if any, with its data, which the leader sends to followers that fell behind) and
/// the log entries after it. A brand-new node passes <see cref="Empty"/>.
/// </summary>
public sealed record PersistentState(HardState HardState, Snapshot? Snapshot, IReadOnlyList<Entry> Entries)
{
    public static readonly PersistentState Empty = new(HardState.Empty, null, []);
}
