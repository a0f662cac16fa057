namespace RaftKv.Core.Tests.Simulation;

/// <summary>Something scheduled to happen at a virtual time.</summary>
public sealed record SimEvent(
    SimEventKind Kind, int Node = -1, int Incarnation = 0, Message? Message = null, int Client = -1, long Token = 0,
    Action? Action = null, string? Label = null, SimCall? Call = null);
