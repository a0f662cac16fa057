namespace RaftKv.Core.Tests.Simulation;

public enum SimEventKind
{
    Tick = 0,
    Deliver = 1,
    ProcessReady = 2,
    ClientWake = 3,
    Action = 4,
}
