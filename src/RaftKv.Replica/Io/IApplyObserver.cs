using RaftKv.Core;

namespace RaftKv.Replica.Io;

/// <summary>Sees what the replica's state machine applies, in order: each committed entry, and each snapshot it restores.</summary>
public interface IApplyObserver
{
    /// <summary><paramref name="entry"/> was applied (a command, a no-op or a membership change).</summary>
    void Applied(Entry entry);

    /// <summary>The state machine was replaced by a snapshot at <paramref name="metadata"/>'s index.</summary>
    void Restored(SnapshotMetadata metadata);
}
