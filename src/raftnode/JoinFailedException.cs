namespace RaftKv.Host;

/// <summary>No member named by --join answered, so the node cannot learn which cluster it joins.</summary>
public sealed class JoinFailedException(string message) : Exception(message);
