namespace RaftKv.Cluster.Tests.Support;

/// <summary>
/// Every process test is in this one collection, so they run one after another: they are timing
/// sensitive, and several clusters at once on a 2-core machine would make elections flap.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "Cluster processes";
}
