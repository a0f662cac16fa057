namespace RaftKv.Cluster.Tests.Support;

/// <summary>A failed cluster test, its message carrying the cluster's diagnostics after the original message.</summary>
public sealed class ClusterTestFailure(string message, Exception inner) : Exception(message, inner);
