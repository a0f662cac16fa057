using RaftKv.Replica.Io;

namespace RaftKv.Core.Tests.Simulation;

/// <summary>Hands what one node's replica applies to the simulation's checkers.</summary>
internal sealed class SimApplyObserver(ClusterSimulation simulation, SimNode node) : IApplyObserver
{
    public void Applied(Entry entry) => simulation.OnApplied(node, entry);

    public void Restored(SnapshotMetadata metadata) => simulation.OnRestored(node, metadata);
}
