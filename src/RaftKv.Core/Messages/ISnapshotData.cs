namespace RaftKv.Core;

/// <summary>
/// The contents of a snapshot, as an opaque handle the core passes along and never reads: a file on disk in the node
/// (RaftKv.Storage, a staging file of RaftKv.Transport), an array in tests and the simulator (<see cref="SnapshotBytes"/>).
/// Whoever needs the bytes (the state machine restoring, the transport streaming, the storage storing) opens them and
/// reads them as a stream, so no node ever holds a whole snapshot in memory, and none is limited to what one array holds.
/// </summary>
public interface ISnapshotData
{
    /// <summary>How many bytes <see cref="OpenRead"/> yields.</summary>
    long Length { get; }

    /// <summary>A new read-only stream over the contents, from the first byte; the caller disposes it.</summary>
    /// <exception cref="IOException">The contents are gone (a file replaced by a newer snapshot) or cannot be read.</exception>
    Stream OpenRead();
}
