namespace RaftKv.Core;

/// <summary>Volatile state worth reporting when it changes: who leads, in which term, and our own role.</summary>
public readonly record struct SoftState(Role Role, int LeaderId, long Term);
