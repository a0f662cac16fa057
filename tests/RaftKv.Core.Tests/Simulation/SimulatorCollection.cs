namespace RaftKv.Core.Tests.Simulation;

/// <summary>
/// The simulator's tests each use every core (seeds run in parallel); running them one after another
/// keeps each one's wall time honest instead of having them fight over the same cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SimulatorCollection
{
    public const string Name = "Simulator";
}
