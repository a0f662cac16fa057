namespace RaftKv.Core;

/// <summary>
/// A state the Raft rules make impossible was reached (for example, truncating a committed entry).
/// The node must stop loudly rather than corrupt data quietly.
/// </summary>
public sealed class RaftInvariantException(string message) : Exception(message);
