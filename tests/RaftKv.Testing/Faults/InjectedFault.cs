namespace RaftKv.Testing.Faults;

/// <summary>One fault a <see cref="Nemesis"/> injected: when (since the run began), what, and to whom.</summary>
public sealed record InjectedFault(TimeSpan At, FaultKind Kind, string Description)
{
    public override string ToString() => $"{At.TotalSeconds,6:0.00}s {Kind}: {Description}";
}
