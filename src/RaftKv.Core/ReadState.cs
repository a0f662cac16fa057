namespace RaftKv.Core;

/// <summary>
/// A linearizable read that is now safe to serve once the state machine has applied through
/// <see cref="Index"/> (thesis §6.4). <see cref="Context"/> is the value given to <see cref="Raft.ReadIndex"/>.
/// </summary>
public readonly record struct ReadState(long Index, long Context);
