namespace RaftKv.Linearizability.Tests.Support;

/// <summary>The shape of a simulated run.</summary>
/// <param name="Seed">Seeds every random choice: the same options give the same history.</param>
/// <param name="Clients">Clients issuing operations concurrently, one at a time each.</param>
/// <param name="Keys">Keys chosen from uniformly.</param>
/// <param name="Operations">Operations issued in all.</param>
/// <param name="UnknownRate">Share of operations whose client gives up; they take effect later or never.</param>
/// <param name="FailedRate">Share of operations rejected without effect.</param>
internal sealed record SimulationOptions(int Seed, int Clients, int Keys, int Operations, double UnknownRate = 0.05, double FailedRate = 0.02);
