namespace RaftKv.Http.Tests;

/// <summary>The tests of this assembly start clusters of real processes: one at a time, so elections do not flap on a small machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HttpCollection
{
    public const string Name = "HTTP processes";
}
