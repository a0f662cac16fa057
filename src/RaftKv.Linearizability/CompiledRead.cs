namespace RaftKv.Linearizability;

/// <summary>A <see cref="KeyRead"/> with its value interned.</summary>
internal sealed record CompiledRead(int Value, long? Version, long? ModRevision);
