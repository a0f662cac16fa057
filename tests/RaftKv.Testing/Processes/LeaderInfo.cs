namespace RaftKv.Testing.Processes;

/// <summary>A leader the cluster agrees on: node <see cref="Id"/> leads in <see cref="Term"/>.</summary>
public readonly record struct LeaderInfo(int Id, long Term);
